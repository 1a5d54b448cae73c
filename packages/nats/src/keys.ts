// KV keys for job names and election names, which may hold any character.
import { TscronError } from 'tscron';

/**
 * A name as one KV key token: base64url of its UTF-8 bytes (letters, digits, `-`, `_`), which KV
 * accepts whatever the name holds and which never contains a dot.
 */
export function nameToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

/** The KV key of one occurrence of a job: `<name token>.<epoch ms>`. */
export function occurrenceKey(name: string, at: number): string {
  return `${nameToken(name)}.${at}`;
}

/** Bucket names JetStream accepts: letters, digits, `-` and `_`. */
export function checkBucket(owner: string, bucket: unknown): string {
  if (typeof bucket !== 'string' || !/^[-\w]{1,200}$/.test(bucket)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner}: bucket must be 1 to 200 letters, digits, - or _, got ${JSON.stringify(bucket)}`,
    );
  }
  return bucket;
}
