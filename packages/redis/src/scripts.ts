// The Lua scripts in ./lua, loaded on first use and run by SHA with a fallback to EVAL.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerDirectory } from 'tscron/backend';
import type { RedisClient } from './client.js';

/** One Lua script from the `lua` folder. */
export interface Script {
  readonly file: string;
  source?: string;
  sha?: string;
}

const define = (file: string): Script => ({ file });

/** The scripts the locker and the elector use. */
export const script = {
  acquire: define('acquire.lua'),
  acquireBatch: define('acquire-batch.lua'),
  extend: define('extend.lua'),
  release: define('release.lua'),
  campaign: define('campaign.lua'),
  resign: define('resign.lua'),
} as const;

let folder: string | undefined;

/** The source of a script shipped in the `lua` folder beside the compiled code. */
export function readScript(file: string): string {
  folder ??= join(callerDirectory(), 'lua');
  return readFileSync(join(folder, file), 'utf8');
}

function load(which: Script): { source: string; sha: string } {
  if (which.source === undefined || which.sha === undefined) {
    which.source = readScript(which.file);
    which.sha = createHash('sha1').update(which.source).digest('hex');
  }
  return { source: which.source, sha: which.sha };
}

/** Runs a script: EVALSHA, and EVAL when the server does not know the script yet. */
export async function runScript(
  client: RedisClient,
  which: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  const { source, sha } = load(which);
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    return client.eval(source, keys.length, ...keys, ...args);
  }
}
