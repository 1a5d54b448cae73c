// Shared by the suites: a Nest testing module around TscronModule on a FakeClock, and a logger that
// keeps what the scheduler logs.
import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { type Locker, type Logger, MemoryLocker } from 'tscron';
import { FakeClock } from 'tscron/testing';
import { SchedulerRegistry, TscronModule, type TscronModuleOptions } from '../src/index.js';

/** 2020-01-01T00:00:00Z, a Wednesday. */
export const START = new Date('2020-01-01T00:00:00.000Z');

/** A tscron logger that keeps the warnings and errors (message and details) it gets. */
export interface KeptLog extends Logger {
  readonly warnings: string[];
  readonly errors: Array<{ message: string; details: unknown[] }>;
}

export function keptLog(): KeptLog {
  const warnings: string[] = [];
  const errors: Array<{ message: string; details: unknown[] }> = [];
  return {
    warnings,
    errors,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => void warnings.push(message),
    error: (message, ...details) => void errors.push({ message, details }),
  };
}

export interface Started {
  app: TestingModule;
  clock: FakeClock;
  registry: SchedulerRegistry;
  log: KeptLog;
}

/**
 * Compiles and initialises a testing module importing `TscronModule.forRoot` on a fake clock (UTC,
 * the kept log) with the given providers; `init: false` leaves the initialisation to the test.
 */
export async function startApp(
  providers: Array<Provider | Type>,
  options: TscronModuleOptions & { imports?: DynamicModule[]; init?: boolean } = {},
): Promise<Started> {
  const { imports = [], init = true, ...moduleOptions } = options;
  const clock = (moduleOptions.clock as FakeClock | undefined) ?? new FakeClock(START);
  const log = keptLog();
  const app = await Test.createTestingModule({
    imports: [TscronModule.forRoot({ clock, timeZone: 'UTC', logger: log, ...moduleOptions }), ...imports],
    providers,
  }).compile();
  if (init) await app.init();
  return { app, clock, registry: app.get(SchedulerRegistry), log };
}

/** A promise resolved from outside, for a task that should run until the test lets it end. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A MemoryLocker that notes the key of every lock asked for. */
export function notingLocker(): { locker: Locker; keys: string[] } {
  const memory = new MemoryLocker();
  const keys: string[] = [];
  const locker: Locker = {
    lock: (key, options) => {
      keys.push(key);
      return memory.lock(key, options);
    },
  };
  return { locker, keys };
}
