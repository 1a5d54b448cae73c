// Runs the built `tscron` binary as a child process and watches its output.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The built executable; `npm test` builds every package before the tests run. */
export const BIN = fileURLToPath(new URL('../dist/esm/bin.js', import.meta.url));

function ensureBuilt(): void {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run "npm run build --workspace @tscron/cli" first`);
}

/** A finished run of the binary. */
export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tscron <args>` to the end. */
export function tscron(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Result> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `tscron` process whose output can be waited for. */
export class Running {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  #waiters: Array<() => void> = [];

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    ensureBuilt();
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const waiter of this.#waiters) waiter();
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
    running.add(this);
  }

  /** Resolves once the output matches (counting from the start), or rejects after `timeout` ms. */
  waitFor(pattern: RegExp, timeout = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.output.match(pattern);
        if (match === null) return false;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(match);
        return true;
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.output}`));
      }, timeout);
      if (!check()) this.#waiters.push(waiter);
    });
  }

  /** Occurrences of `pattern` in the output so far. */
  count(pattern: RegExp): number {
    return [...this.output.matchAll(new RegExp(pattern.source, 'g'))].length;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

const running = new Set<Running>();

/** A scratch directory removed after the file's tests; processes still running are killed. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tscron-cli-'));
  afterAll(() => {
    for (const process of running) process.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes a file in `dir` and returns its path. */
export function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Whether a process is alive: it exists and is not a zombie waiting for a parent to reap it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `check` holds, polling, or throws after `timeout` ms. */
export async function eventually(
  check: () => boolean,
  timeout = 5000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
