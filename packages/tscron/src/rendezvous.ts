// Rendezvous (highest random weight) hashing: which live replica an occurrence picks.
//
// Every replica computes the same answer from the same inputs (job name, occurrence, replica ids),
// so the hash is part of the fleet's protocol: changing it makes replicas of different versions
// disagree on the pick (still exactly once, through the locker, but no longer balanced).

/** FNV-1a over a string's UTF-16 code units, 32 bits. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: every input bit flips each output bit with probability about 1/2. */
export function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of one occurrence: a job's name and its scheduled time in epoch milliseconds. */
export function occurrenceHash(jobName: string, at: number): number {
  const low = at >>> 0;
  const high = Math.floor(at / 0x1_0000_0000) >>> 0;
  return mix(mix(hashText(jobName) ^ low) ^ high);
}

/** The hash a replica id weighs occurrences with (computed once per id). */
export function replicaHash(id: string): number {
  return mix(hashText(id) ^ 0x9e3779b9);
}

/**
 * The index of the replica that `occurrence` (an {@link occurrenceHash}) picks among `replicas`
 * (their {@link replicaHash}es): the one with the highest weight. Adding or removing a replica
 * moves only the occurrences it wins or won. -1 when there is none.
 */
export function pickReplica(occurrence: number, replicas: ArrayLike<number>): number {
  let best = -1;
  let bestWeight = -1;
  for (let i = 0; i < replicas.length; i++) {
    const weight = mix(occurrence ^ (replicas[i] as number));
    if (weight > bestWeight) {
      best = i;
      bestWeight = weight;
    }
  }
  return best;
}
