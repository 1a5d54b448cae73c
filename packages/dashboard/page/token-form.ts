import { useState } from 'preact/hooks';
import { html } from './html.js';

/** Asks for the dashboard's token when the server answered 401; `refused` says the last one was wrong. */
export function TokenForm({ refused, onSubmit }: { refused: boolean; onSubmit(token: string): void }) {
  const [value, setValue] = useState('');
  return html`<form class="token-form" onSubmit=${(event: Event) => {
    event.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  }}>
    <h2>Token required</h2>
    <p>This dashboard is protected. Enter the token it was started with.</p>
    ${refused ? html`<p class="error-text" role="alert">That token was refused.</p>` : null}
    <label for="token">Token</label>
    <input
      id="token"
      name="token"
      type="password"
      autocomplete="current-password"
      required
      autofocus
      value=${value}
      onInput=${(event: Event) => setValue((event.currentTarget as HTMLInputElement).value)}
    />
    <button type="submit">Open dashboard</button>
  </form>`;
}
