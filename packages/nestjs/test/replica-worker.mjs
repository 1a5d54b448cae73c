// One replica of the replicas test: a Nest application on the BUILT @tscron/nestjs with a RedisLocker,
// its clock offset from the others. Runs are counted in Redis per job|occurrence; events go to
// stdout as JSON lines. Config: JSON in REPLICA_CONFIG ({ worker, offset, runId, url }).
// Plain JavaScript, so that the process starts fast: the decorators are applied as TypeScript's
// compiled output applies them.
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cron, Interval, Timeout, TscronModule } from '@tscron/nestjs';
import { RedisLocker } from '@tscron/redis';
import { Redis } from 'ioredis';

const { worker, offset, runId, url } = JSON.parse(process.env.REPLICA_CONFIG ?? '{}');
const say = (event) => process.stdout.write(`${JSON.stringify({ w: worker, t: Date.now(), ...event })}\n`);

const client = new Redis(url, { maxRetriesPerRequest: 1 });
const recorder = new Redis(url);
const locker = new RedisLocker({ client, keyPrefix: `nestjs:${runId}:` });
const clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => say({ ev: 'warn', message }),
  error: (message, error) => say({ ev: 'error', message, error: String(error) }),
};
const record = (job, at) => recorder.hincrby(`nestjs:${runId}:runs`, `${job}|${at.getTime()}`, 1);

/** Applies method decorators as TypeScript's `__decorate` does. */
function decorate(target, key, ...decorators) {
  let descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
  for (const decorator of decorators.reverse())
    descriptor = decorator(target.prototype, key, descriptor) ?? descriptor;
  Object.defineProperty(target.prototype, key, descriptor);
}

class Jobs {
  async second({ scheduledAt }) {
    await record('second', scheduledAt);
  }

  async half({ scheduledAt }) {
    await record('half', scheduledAt);
  }

  async long({ scheduledAt, signal }) {
    await record('long', scheduledAt);
    say({ ev: 'start', job: 'long', at: scheduledAt.getTime() });
    await new Promise((resolve) => setTimeout(resolve, 800));
    say({ ev: 'end', job: 'long', at: scheduledAt.getTime(), aborted: signal.aborted });
  }

  async boot({ scheduledAt }) {
    await record(`boot-${worker}`, scheduledAt);
  }

  async onApplicationShutdown() {
    await locker.close();
    client.disconnect();
    recorder.disconnect();
    say({ ev: 'shut down' });
  }
}
decorate(Jobs, 'second', Cron('* * * * * *', { name: 'second' }));
decorate(Jobs, 'half', Interval('half', 500));
decorate(Jobs, 'long', Cron('*/2 * * * * *', { name: 'long', waitForCompletion: true }));
decorate(Jobs, 'boot', Timeout('boot', 100));
Injectable()(Jobs);

class AppModule {}
Module({ imports: [TscronModule.forRoot({ locker, clock, logger })], providers: [Jobs] })(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
app.enableShutdownHooks();
await app.init();
say({ ev: 'ready' });
