// Balanced claims: who claims an occurrence first, and how long the others wait.
import type { FleetState } from './fleet.js';
import { occurrenceHash, pickReplica, replicaHash } from './rendezvous.js';

/**
 * Spreads occurrences over the live replicas (the fleet's `balance: true`). A rendezvous hash of
 * (job name, occurrence) picks one live replica, the same on every replica; the picked one claims
 * at the occurrence's time, every other one `balanceGrace` later on the server's clock, so that it
 * finds the occurrence taken unless the picked replica died or is slow. The claim stays the
 * locker's (keyed by occurrence), so balance only decides who tries first: still exactly once.
 */
export class Balance {
  readonly #replica: string;
  readonly #grace: number;
  #ids: readonly string[] = [];
  #hashes = new Uint32Array(0);
  #offsets = new Float64Array(0);
  #mine = 0;

  /** `replica`: this scheduler's id; `grace`: the fleet's `balanceGrace` in ms. */
  constructor(replica: string, grace: number) {
    this.#replica = replica;
    this.#grace = grace;
  }

  /** Takes the live replicas and their offsets from a heartbeat's answer, and this replica's offset. */
  update(state: FleetState, offset: number): void {
    this.#mine = offset;
    const replicas = state.replicas;
    const same =
      replicas.length === this.#ids.length && replicas.every((replica, i) => replica.id === this.#ids[i]);
    if (!same) {
      this.#ids = replicas.map((replica) => replica.id);
      this.#hashes = Uint32Array.from(this.#ids, replicaHash);
      this.#offsets = new Float64Array(replicas.length);
    }
    replicas.forEach((replica, i) => {
      const offset = replica.clockOffsetMs;
      this.#offsets[i] = Number.isFinite(offset) ? offset : 0;
    });
  }

  /**
   * How long after its time (on this replica's clock) this replica waits before it claims the
   * occurrence `at` of `jobName`: 0 when it is the picked one (or knows of no replica), else the
   * grace plus the difference between its clock offset and the picked replica's, so that the wait
   * is the grace on the server's clock whatever the skew.
   */
  deferral(jobName: string, at: number): number {
    const hashes = this.#hashes;
    if (hashes.length === 0) return 0;
    const picked = pickReplica(occurrenceHash(jobName, at), hashes);
    if (this.#ids[picked] === this.#replica) return 0;
    const wait = this.#grace + this.#mine - (this.#offsets[picked] as number);
    return Math.max(wait, 0);
  }

  /** The replica id `at` of `jobName` picks, for tests and diagnostics. */
  picked(jobName: string, at: number): string | undefined {
    return this.#ids[pickReplica(occurrenceHash(jobName, at), this.#hashes)];
  }
}
