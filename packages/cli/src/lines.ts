// Splits a stream into lines without ever holding more than one bounded line in memory.
import type { Readable } from 'node:stream';

/** A line longer than this is passed on in pieces, so that a process writing no newline cannot grow memory. */
const MAX_LINE = 16 * 1024;

/** Calls `onLine` for each line of `stream` (without its newline), and for a last unterminated line. */
export function forEachLine(
  stream: Readable,
  onChunk: (chunk: Buffer) => void,
  onLine: (line: string) => void,
): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    onChunk(Buffer.from(text));
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      onLine((pending + text.slice(start, newline)).replace(/\r$/, ''));
      pending = '';
      start = newline + 1;
    }
    pending += text.slice(start);
    while (pending.length > MAX_LINE) {
      onLine(pending.slice(0, MAX_LINE));
      pending = pending.slice(MAX_LINE);
    }
  });
  const flush = () => {
    if (pending !== '') onLine(pending);
    pending = '';
  };
  stream.on('end', flush);
  stream.on('close', flush);
}
