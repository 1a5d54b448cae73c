// The query of `GET api/jobs/:id/runs`, checked: a bad value is a 400 naming it, never a guess.

/** Runs listed when `limit` is not given. */
export const DEFAULT_RUN_LIMIT = 50;
/** The most runs one request lists; a larger `limit` is lowered to it. */
export const MAX_RUN_LIMIT = 1000;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export type RunsQuery = { limit: number; before?: Date } | { error: string };

export function parseRunsQuery(limitText: string | undefined, beforeText: string | undefined): RunsQuery {
  let limit = DEFAULT_RUN_LIMIT;
  if (limitText !== undefined) {
    if (!/^[1-9]\d{0,15}$/.test(limitText)) {
      return { error: `limit must be a positive integer, got ${JSON.stringify(limitText)}` };
    }
    limit = Math.min(Number(limitText), MAX_RUN_LIMIT);
  }
  if (beforeText === undefined) return { limit };
  const before = new Date(beforeText);
  if (!ISO_INSTANT.test(beforeText) || Number.isNaN(before.getTime())) {
    return {
      error: `before must be an ISO 8601 instant like "2026-01-31T12:00:00Z", got ${JSON.stringify(beforeText)}`,
    };
  }
  return { limit, before };
}
