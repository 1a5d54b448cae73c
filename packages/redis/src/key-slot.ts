// Redis Cluster hash slots, so that a batch is split into script calls that each stay in one slot.

/** CRC16-CCITT (XModem) by byte, the checksum Redis Cluster hashes keys with. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

const encoder = new TextEncoder();

/**
 * The Cluster hash slot (0..16383) of a key: of its hash tag when it has one (the text between its
 * first `{` and the next `}`, if not empty), else of the whole key, hashed as UTF-8 as Redis does.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of encoder.encode(key)) crc = ((crc << 8) ^ (TABLE[(crc >> 8) ^ byte] as number)) & 0xffff;
  return crc & 16383;
}

/**
 * The most keys (claims) one script call takes. A call's arguments are spread into one function call
 * on their way to ioredis, which overflows the stack somewhere past 100,000; and one call keeps the
 * server busy for its whole length (6-12 µs per claim won on a small machine), so larger groups
 * are split.
 */
export const MAX_PER_CALL = 10_000;

/**
 * Splits `items` into the groups one script call may take: all of them on a standalone server, one
 * group per hash slot of `keyOf(item)` on a Cluster (a script's keys must share a slot there); a
 * group over {@link MAX_PER_CALL} is split further.
 */
export function slotGroups<T>(items: readonly T[], keyOf: (item: T) => string, cluster: boolean): T[][] {
  let groups: T[][];
  if (!cluster) {
    groups = items.length === 0 ? [] : [items as T[]];
  } else {
    const bySlot = new Map<number, T[]>();
    for (const item of items) {
      const slot = keySlot(keyOf(item));
      const group = bySlot.get(slot);
      if (group === undefined) bySlot.set(slot, [item]);
      else group.push(item);
    }
    groups = [...bySlot.values()];
  }
  if (groups.every((group) => group.length <= MAX_PER_CALL)) return groups;
  return groups.flatMap((group) => {
    const chunks: T[][] = [];
    for (let i = 0; i < group.length; i += MAX_PER_CALL) chunks.push(group.slice(i, i + MAX_PER_CALL));
    return chunks;
  });
}
