// The server side of RedisLocker.lockBatch: one acquire-batch script call per slot group.
import type { RedisConnection } from './connection.js';
import { slotGroups } from './key-slot.js';
import { script } from './scripts.js';

/** One claim of a batch, ready for the server. */
export interface BatchClaim {
  /** The occurrence's lock hash. */
  readonly lockKey: string;
  /** The job's fence counter, in the same slot as `lockKey`. */
  readonly fenceKey: string;
  /** The random token the claim is made with. */
  readonly token: string;
}

/**
 * Claims `claims` for `life` ms: one script call per slot group, all sent at once. Resolves one entry
 * per claim, in order: its fence when claimed, `null` when held elsewhere. When any call fails, the
 * first failure is thrown, and `drop` gets every claim there will be no lock for: those the other
 * calls won, and all those of the failed calls (a script that failed half-way, or whose reply was
 * lost, may have claimed some; releasing by token is a no-op for the rest).
 */
export async function claimBatch(
  connection: RedisConnection,
  claims: readonly BatchClaim[],
  life: number,
  drop: (claim: BatchClaim) => void,
): Promise<Array<string | null>> {
  const fences = new Array<string | null>(claims.length).fill(null);
  const indexes = claims.map((_, i) => i);
  const groups = slotGroups(indexes, (i) => (claims[i] as BatchClaim).lockKey, connection.cluster);
  const calls = groups.map(async (group) => {
    const keys: string[] = [];
    const args: Array<string | number> = [life];
    for (const i of group) {
      const claim = claims[i] as BatchClaim;
      keys.push(claim.lockKey, claim.fenceKey);
      args.push(claim.token);
    }
    const replies = (await connection.run(script.acquireBatch, keys, args)) as unknown[];
    for (const [j, i] of group.entries()) {
      const reply = replies[j];
      // 0 says held elsewhere; a fence is never 0 (INCR starts at 1).
      if (reply !== 0 && reply !== null && reply !== undefined) fences[i] = String(reply);
    }
  });
  const outcomes = await Promise.allSettled(calls);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed === undefined) return fences;
  for (const [g, outcome] of outcomes.entries()) {
    for (const i of groups[g] as number[]) {
      if (outcome.status === 'rejected' || fences[i] !== null) drop(claims[i] as BatchClaim);
    }
  }
  throw failed.reason;
}
