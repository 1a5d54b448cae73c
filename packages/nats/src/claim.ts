// What a claim entry holds: the holder's token and how long the entry lives after its server timestamp.

/**
 * A claim as stored: `<token>:<life ms>`. The entry expires `life` ms after the server stored it
 * (its timestamp), judged by the server's clock. A marker (an occurrence released before its
 * minimum hold passed) has an empty token.
 */
export interface Claim {
  readonly token: string;
  readonly life: number;
}

const encoder = new TextEncoder();

/** The bytes of `claim`. */
export function formatClaim(claim: Claim): Uint8Array {
  return encoder.encode(`${claim.token}:${Math.ceil(claim.life)}`);
}

/** The claim in `text`; an unreadable value counts as a claim that never expires by itself. */
export function parseClaim(text: string): Claim {
  const colon = text.lastIndexOf(':');
  const life = colon < 0 ? Number.NaN : Number(text.slice(colon + 1));
  return {
    token: colon < 0 ? text : text.slice(0, colon),
    life: Number.isFinite(life) ? life : Number.POSITIVE_INFINITY,
  };
}

/** Whether `claim`, stored at server time `stamped`, has expired at server time `now`. */
export function expired(claim: Claim, stamped: number, now: number): boolean {
  return now >= stamped + claim.life;
}
