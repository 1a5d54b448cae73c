/**
 * The bearer token the server may ask for. It lives in sessionStorage: it survives a reload of the tab
 * but not the tab itself, and other sites cannot read it (unlike a cookie, it is never sent by itself,
 * so a cross-site request carries no credential).
 */
const key = 'tscron-dashboard-token';

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: the prompt comes back on every load, which still works
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, token);
  } catch {
    // Storage disabled: the token is kept for this page's life only, by the caller's state.
  }
}

/** The Authorization header for the stored token, or none. */
export function authHeaders(): Record<string, string> {
  const token = readToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
