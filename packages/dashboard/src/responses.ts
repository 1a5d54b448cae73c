// JSON error responses: every failure of the API is `{ "error": "<what was wrong>" }`.

/** A JSON body with a status; `headers` adds to the content type. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

/** `{ error }` with a status. */
export function failure(status: number, error: string, headers: Record<string, string> = {}): Response {
  return json({ error }, status, headers);
}
