import { randomFillSync } from 'node:crypto';

// Random bytes are drawn from the system's CSPRNG 8 KB at a time; each id takes 16 of them.
const pool = Buffer.alloc(16 * 512);
let position = pool.length;
const scratch = Buffer.alloc(36);
/** ASCII codes of the two hex digits of each byte value. */
const HEX = new Uint8Array(512);
for (let value = 0; value < 256; value++) {
  const digits = value.toString(16).padStart(2, '0');
  HEX[2 * value] = digits.charCodeAt(0);
  HEX[2 * value + 1] = digits.charCodeAt(1);
}

/**
 * A random (version 4) UUID, as `crypto.randomUUID()` makes, written as one flat 36-byte string.
 * `randomUUID()` returns a string built of many pieces (hundreds of bytes until something flattens
 * it); a scheduler holding 100,000 job ids should not pay that, nor the time to flatten it.
 */
export function newJobId(): string {
  if (position === pool.length) {
    randomFillSync(pool);
    position = 0;
  }
  const bytes = pool;
  const start = position;
  position += 16;
  bytes[start + 6] = ((bytes[start + 6] as number) & 0x0f) | 0x40; // version 4
  bytes[start + 8] = ((bytes[start + 8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) scratch[at++] = 0x2d; // '-'
    const value = bytes[start + i] as number;
    scratch[at++] = HEX[2 * value] as number;
    scratch[at++] = HEX[2 * value + 1] as number;
  }
  return scratch.toString('latin1', 0, 36);
}
