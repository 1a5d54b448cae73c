// The Lua scripts in ./lua, read and hashed on first use (a RedisConnection runs them by SHA).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerDirectory } from 'tscron/backend';

/** One Lua script from the `lua` folder. */
export interface Script {
  readonly file: string;
  source?: string;
  sha?: string;
}

const define = (file: string): Script => ({ file });

/** The scripts the locker, the elector, the fleet and the run history use. */
export const script = {
  acquire: define('acquire.lua'),
  acquireBatch: define('acquire-batch.lua'),
  extend: define('extend.lua'),
  release: define('release.lua'),
  campaign: define('campaign.lua'),
  resign: define('resign.lua'),
  command: define('command.lua'),
  fleetHeartbeat: define('fleet-heartbeat.lua'),
  fleetCompleted: define('fleet-completed.lua'),
  historyRecord: define('history-record.lua'),
  historyList: define('history-list.lua'),
} as const;

let folder: string | undefined;

/** The source of a script shipped in the `lua` folder beside the compiled code. */
export function readScript(file: string): string {
  folder ??= join(callerDirectory(), 'lua');
  return readFileSync(join(folder, file), 'utf8');
}

/** The SHA1 of a script, reading its source (kept in `which.source`) on first use. */
export function loadScript(which: Script): string {
  if (which.sha === undefined) {
    which.source = readScript(which.file);
    which.sha = createHash('sha1').update(which.source).digest('hex');
  }
  return which.sha;
}
