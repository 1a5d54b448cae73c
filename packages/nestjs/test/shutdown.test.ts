// The graceful stop: closing the application stops scheduling, aborts the running jobs' signals and
// waits for them (up to stopTimeout) before the application's shutdown hooks go on.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { JobContext } from 'tscron';
import { describe, expect, it } from 'vitest';
import { Cron, Interval } from '../src/index.js';
import { deferred, startApp } from './support.js';

const release = deferred();
const events: string[] = [];

@Injectable()
class Export implements OnApplicationShutdown {
  @Cron('0 * * * * *', { name: 'export' })
  async run({ signal }: JobContext) {
    events.push('export started');
    signal.addEventListener('abort', () => events.push('export signalled'));
    await release.promise;
    events.push('export finished');
  }

  onApplicationShutdown() {
    events.push('application shut down');
  }
}

/** Settles pending promise chains. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('shutdown', () => {
  it('waits for a running job before the application shuts down', async () => {
    const { app, clock, registry } = await startApp([Export]);
    await clock.advance(60_000);
    expect(events).toEqual(['export started']);
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await settle();
    expect(events).toEqual(['export started', 'export signalled']);
    expect(closed).toBe(false);
    expect(registry.scheduler.isStarted()).toBe(false);
    release.resolve();
    await closing;
    expect(events).toEqual([
      'export started',
      'export signalled',
      'export finished',
      'application shut down',
    ]);
    expect(registry.getCronJobs().size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up on a job that outlives stopTimeout, logs it, and still shuts down', async () => {
    const stuck = deferred();
    @Injectable()
    class Stuck {
      @Interval('stuck', 1000)
      run() {
        return stuck.promise;
      }
    }
    const { app, clock, log } = await startApp([Stuck], { stopTimeout: '5s' });
    await clock.advance(1000);
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await clock.advance(4999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    expect(log.errors.map((entry) => entry.message)).toEqual([
      expect.stringContaining('1 run(s) still going after the stop timeout of 5s'),
    ]);
    stuck.resolve();
  });

  it('refuses new jobs once the application is shutting down', async () => {
    const { app, registry } = await startApp([]);
    await app.close();
    expect(() => registry.addTimeout('late', 1)).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEDULER_SHUT_DOWN' }),
    );
  });
});
