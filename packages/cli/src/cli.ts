// The command line: subcommand dispatch and flags, parsed with node:util parseArgs.
import { parseArgs } from 'node:util';
import { isTscronError } from 'tscron';
import { checkTimeZone } from './checks.js';
import { execCommand } from './exec-command.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { listCommand } from './list-command.js';
import { nextCommand } from './next-command.js';
import { createOutput } from './output.js';
import { UsageError } from './problems.js';
import { runCommand } from './run-command.js';
import { didYouMean } from './suggest.js';
import { validateCommand } from './validate-command.js';
import { VERSION } from './version.js';

type Flags = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

const COMMON: Flags = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

const FLAGS: Record<string, Flags> = {
  run: {
    locker: { type: 'string' },
    elector: { type: 'string' },
    dashboard: { type: 'string' },
    'dashboard-token': { type: 'string' },
    metrics: { type: 'string' },
    'time-zone': { type: 'string' },
    replica: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    debug: { type: 'boolean' },
    watch: { type: 'boolean' },
    'shutdown-timeout': { type: 'string' },
    'no-fleet': { type: 'boolean' },
    balance: { type: 'boolean' },
    heartbeat: { type: 'string' },
  },
  validate: {},
  next: {
    count: { type: 'string', short: 'n' },
    'time-zone': { type: 'string' },
    seconds: { type: 'boolean' },
    from: { type: 'string' },
    json: { type: 'boolean' },
  },
  list: { 'time-zone': { type: 'string' }, json: { type: 'boolean' } },
  exec: { 'time-zone': { type: 'string' }, replica: { type: 'string' }, json: { type: 'boolean' } },
};

type Values = Record<string, string | boolean | undefined>;

function parse(command: string, args: string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { ...COMMON, ...FLAGS[command] },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun "tscron ${command} --help" for its options.`);
  }
}

function needFiles(command: string, files: string[], min: number, max = Number.POSITIVE_INFINITY): void {
  if (files.length < min || files.length > max) {
    throw new UsageError(COMMAND_HELP[command]?.split('\n')[0] ?? MAIN_HELP);
  }
}

function stringFlag(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function count(text: string | undefined): number {
  if (text === undefined) return 5;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError(`-n must be an integer from 1 to 10000, got ${text}`);
  return n;
}

function instant(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--from must be an ISO 8601 instant, got ${text}`);
  return new Date(ms);
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    process.stdout.write(
      topic !== undefined && COMMAND_HELP[topic] !== undefined ? COMMAND_HELP[topic] : MAIN_HELP,
    );
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (FLAGS[command] === undefined) {
    throw new UsageError(
      `unknown command "${command}"${didYouMean(command, Object.keys(FLAGS))}\n\n${MAIN_HELP}`,
    );
  }
  const { values, positionals } = parse(command, rest);
  if (values.help === true) {
    process.stdout.write(COMMAND_HELP[command] as string);
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const timeZone = stringFlag(values, 'time-zone');
  const badZone = timeZone === undefined ? undefined : checkTimeZone(timeZone);
  if (badZone !== undefined) throw new UsageError(`--time-zone: ${badZone}`);
  const output = createOutput({
    json: values.json === true,
    quiet: values.quiet === true,
    debug: values.debug === true,
  });
  switch (command) {
    case 'validate':
      needFiles(command, positionals, 1);
      return validateCommand(positionals);
    case 'list':
      needFiles(command, positionals, 1);
      return listCommand(positionals, { timeZone, json: values.json === true });
    case 'next':
      needFiles(command, positionals, 1, 1);
      return nextCommand(positionals[0] as string, {
        count: count(stringFlag(values, 'count')),
        timeZone,
        seconds: values.seconds === true,
        from: instant(stringFlag(values, 'from')),
        json: values.json === true,
      });
    case 'exec':
      needFiles(command, positionals, 2, 2);
      return execCommand(positionals[0] as string, positionals[1] as string, {
        timeZone,
        replica: stringFlag(values, 'replica') ?? `exec:${process.pid}`,
        output,
      });
    default:
      needFiles(command, positionals, 1);
      return runCommand(positionals, {
        locker: stringFlag(values, 'locker'),
        elector: stringFlag(values, 'elector'),
        timeZone,
        replica: stringFlag(values, 'replica'),
        watch: values.watch === true,
        shutdownTimeout: stringFlag(values, 'shutdown-timeout'),
        dashboard: stringFlag(values, 'dashboard'),
        dashboardToken: stringFlag(values, 'dashboard-token'),
        metrics: stringFlag(values, 'metrics'),
        noFleet: values['no-fleet'] === true,
        balance: values.balance === true,
        heartbeat: stringFlag(values, 'heartbeat'),
        output,
      });
  }
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves its exit code: 0 done,
 * 1 runtime failure, 2 usage or configuration error. Messages go to stdout and stderr.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (isTscronError(error) && error.code === 'ERR_INVALID_TIME_ZONE') {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `tscron: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
