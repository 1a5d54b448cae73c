import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forEachLine } from '../src/lines.js';
import { OutputRing } from '../src/ring.js';

describe('OutputRing', () => {
  it('keeps the last bytes written, never more than its capacity', () => {
    const ring = new OutputRing(8);
    ring.write(Buffer.from('abc'));
    expect(ring.toString()).toBe('abc');
    ring.write(Buffer.from('defgh'));
    expect(ring.toString()).toBe('abcdefgh');
    ring.write(Buffer.from('ij'));
    expect(ring.toString()).toBe('cdefghij');
    ring.write(Buffer.from('0123456789'));
    expect(ring.toString()).toBe('23456789');
    ring.write(Buffer.from('x'));
    expect(ring.toString()).toBe('3456789x');
  });
});

describe('forEachLine', () => {
  it('splits chunks into lines, keeps a last unterminated line, and cuts endless lines', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    let bytes = 0;
    forEachLine(
      stream,
      (chunk) => (bytes += chunk.length),
      (line) => lines.push(line),
    );
    stream.write('one\ntw');
    stream.write('o\r\nthree\n');
    stream.write('x'.repeat(40_000));
    stream.end('tail');
    await new Promise((resolve) => stream.once('close', resolve));
    expect(lines.slice(0, 3)).toEqual(['one', 'two', 'three']);
    expect(lines.slice(3).join('')).toBe(`${'x'.repeat(40_000)}tail`);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(16 * 1024);
    expect(bytes).toBe(40_019);
  });
});
