// Process signals for `tscron run`: drain on the first stop signal (or when the output pipe closes),
// kill on the second, reload on HUP.

/** What the signals do. */
export interface SignalActions {
  /** First SIGTERM/SIGINT: stop scheduling and drain; resolves the exit code. */
  drain(signal: NodeJS.Signals): Promise<number>;
  /** A second SIGTERM/SIGINT: kill what runs. */
  kill(): void;
  reload(): void;
  exit(code: number): void;
}

/**
 * A stop signal this soon after the first is the same stop, not a second one: Ctrl-C in a terminal
 * signals every process of the foreground group, and a parent such as `npm start` forwards its own
 * SIGINT to tscron as well, so one key press can arrive twice within a few milliseconds.
 */
export const REPEAT_WINDOW_MS = 300;

/** Installs the handlers; returns a function that removes them. */
export function handleSignals(actions: SignalActions): () => void {
  let draining = false;
  let firstAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (draining) {
      if (performance.now() - firstAt < REPEAT_WINDOW_MS) return;
      actions.kill();
      actions.exit(1);
      return;
    }
    draining = true;
    firstAt = performance.now();
    void actions.drain(signal).then(actions.exit, () => actions.exit(1));
  };
  const hangUp = () => actions.reload();
  // `tscron run ... | head`: once the reader is gone, every write fails with EPIPE. That is a stop, as
  // SIGPIPE is for other programs (Node ignores the signal itself); later write errors add nothing.
  let outputGone = false;
  const outputClosed = () => {
    if (outputGone) return;
    outputGone = true;
    stop('SIGPIPE');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hangUp);
  process.stdout.on('error', outputClosed);
  process.stderr.on('error', outputClosed);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hangUp);
    process.stdout.off('error', outputClosed);
    process.stderr.off('error', outputClosed);
  };
}
