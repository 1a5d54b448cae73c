// A bounded tail of a run's output, kept for the run's history and failure messages.

/** Keeps the last `capacity` bytes written to it, never more. */
export class OutputRing {
  readonly #buffer: Buffer;
  #end = 0;
  #full = false;

  /** @param capacity bytes kept @default 8192 */
  constructor(capacity = 8192) {
    this.#buffer = Buffer.alloc(capacity);
  }

  write(chunk: Buffer): void {
    const capacity = this.#buffer.length;
    if (chunk.length >= capacity) {
      chunk.copy(this.#buffer, 0, chunk.length - capacity);
      this.#end = 0;
      this.#full = true;
      return;
    }
    const first = Math.min(chunk.length, capacity - this.#end);
    chunk.copy(this.#buffer, this.#end, 0, first);
    chunk.copy(this.#buffer, 0, first);
    const end = this.#end + chunk.length;
    if (end >= capacity) this.#full = true;
    this.#end = end % capacity;
  }

  /** The kept bytes as text (a multi-byte character cut at the start shows as U+FFFD). */
  toString(): string {
    if (!this.#full) return this.#buffer.subarray(0, this.#end).toString('utf8');
    return Buffer.concat([this.#buffer.subarray(this.#end), this.#buffer.subarray(0, this.#end)]).toString(
      'utf8',
    );
  }
}
