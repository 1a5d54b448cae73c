import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  createScheduler,
  durationJob,
  type Job,
  MemoryFleet,
  MemoryLocker,
  oneTimeJob,
  type SchedulerEvent,
  type SchedulerOptions,
} from '../src/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { VERSION } from '../src/version.js';
import { fleetOf, RecordingFleet } from './fleet-helpers.js';
import { flush, recordingLogger, T0 } from './scheduler-helpers.js';

describe('version', () => {
  test("VERSION is tscron's package.json version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});

describe('SchedulerOptions.fleet validation', () => {
  const fleet = new MemoryFleet();
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'redis://x', /SchedulerOptions\.fleet: must be a Fleet, got "redis:\/\/x"/],
    [
      'a locker',
      new MemoryLocker(),
      /SchedulerOptions\.fleet: must be a Fleet; it lacks heartbeat\(\), leave\(\)/,
    ],
    [
      'a fleet without recordCompleted',
      { ...methods(), settings: fleet.settings, recordCompleted: undefined },
      /it lacks recordCompleted\(\)$/,
    ],
    [
      'bad settings',
      { ...methods(), settings: { heartbeatInterval: 0, balance: false, balanceGrace: 0 } },
      /SchedulerOptions\.fleet\.settings: must be \{ heartbeatInterval > 0/,
    ],
    ['no settings', methods(), /SchedulerOptions\.fleet\.settings: .*got undefined/],
  ];
  for (const [name, value, message] of cases) {
    test(name, () => {
      expect(() => createScheduler({ fleet: value } as SchedulerOptions)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(message) }),
      );
    });
  }

  test("a balanced fleet's grace must stay below half the locker's minHold", async () => {
    const balanced = new MemoryFleet({ balance: true, balanceGrace: '5s' });
    expect(() => createScheduler({ fleet: balanced, locker: new MemoryLocker({ minHold: '10s' }) })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message:
          "SchedulerOptions.fleet: balanceGrace 5s must be below half the locker's minHold of 10s, since no claim goes out later than that after its occurrence",
      }),
    );
    // Within it, without balance, or with a minHold of 0 (no claim deadline), it is accepted.
    const accepted = [
      createScheduler({ fleet: balanced, locker: new MemoryLocker({ minHold: '11s' }) }),
      createScheduler({ fleet: new MemoryFleet({ balanceGrace: '5s' }), locker: new MemoryLocker() }),
      createScheduler({ fleet: balanced, locker: new MemoryLocker({ minHold: 0 }) }),
    ];
    await Promise.all(accepted.map((scheduler) => scheduler.shutdown()));
  });

  test('a MemoryFleet is accepted; scheduler.fleet is it, undefined without one', async () => {
    const scheduler = createScheduler({ fleet });
    expect(scheduler.fleet).toBe(fleet);
    const plain = createScheduler();
    expect(plain.fleet).toBeUndefined();
    await plain.syncFleet(); // no fleet: nothing to do
    await Promise.all([scheduler.shutdown(), plain.shutdown()]);
  });

  test('catchUpWithin and missedRuns are checked, also in globalJobOptions', () => {
    const scheduler = createScheduler({ fleet });
    const bad: Array<[unknown, string, RegExp]> = [
      [{ catchUpWithin: 0 }, 'ERR_INVALID_OPTION', /JobOptions\.catchUpWithin: must be > 0, got 0/],
      [{ catchUpWithin: '-1m' }, 'ERR_INVALID_OPTION', /catchUpWithin: must be > 0, got "-1m"/],
      [{ catchUpWithin: 'a while' }, 'ERR_INVALID_DURATION', /"a while"/],
      [{ missedRuns: 'most' }, 'ERR_INVALID_OPTION', /'skip' or 'once' or 'all', got "most"/],
    ];
    for (const [options, code, message] of bad) {
      expect(() =>
        scheduler.newJob(durationJob('1m'), () => {}, { name: 'x', ...(options as object) }),
      ).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
      expect(() => createScheduler({ globalJobOptions: options as never })).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(/globalJobOptions/) }),
      );
    }
    const job = scheduler.newJob(durationJob('1m'), () => {}, {
      name: 'fine',
      missedRuns: 'all',
      catchUpWithin: '1h',
    });
    expect(job.name).toBe('fine');
    void scheduler.shutdown();
  });
});

function methods(): Record<string, () => void> {
  const names = [
    'heartbeat',
    'leave',
    'replicas',
    'pause',
    'resume',
    'pausedJobs',
    'lastCompleted',
    'recordCompleted',
  ];
  return Object.fromEntries(names.map((name) => [name, () => {}]));
}

describe('heartbeats', () => {
  test('at start, then every interval on the scheduler clock, with a ttl of 3 intervals; leave on stop', async () => {
    const { clock, replicas, server, close } = fleetOf([0], { fleet: { heartbeat: '1s' } });
    const [r] = replicas;
    r!.scheduler.start();
    await flush();
    expect(r!.fleet.beats.map((b) => b.at - T0)).toEqual([0]);
    await clock.advance('3.5s');
    expect(r!.fleet.beats.map((b) => b.at - T0)).toEqual([0, 1000, 2000, 3000]);
    const beat = r!.fleet.beats[0]!.beat;
    expect(beat).toMatchObject({ replica: 'r0', pid: process.pid, version: VERSION, ttlMs: 3000 });
    expect(beat.startedAt.getTime()).toBe(T0);
    expect(typeof beat.host).toBe('string');
    expect((await server.replicas()).map((x) => x.id)).toEqual(['r0']);
    await r!.scheduler.stopJobs();
    expect(r!.fleet.left).toEqual(['r0']);
    expect(await server.replicas()).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance('5s');
    expect(r!.fleet.beats).toHaveLength(4);
    // Started again: heartbeats again, with a new start time.
    r!.scheduler.start();
    await flush();
    expect(r!.fleet.beats).toHaveLength(5);
    expect(r!.fleet.beats[4]!.beat.startedAt.getTime()).toBe(clock.now());
    await close();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('a replica that stops without leaving is listed until 3 heartbeats passed', async () => {
    const { clock, replicas, server, close } = fleetOf([0, 0], { fleet: { heartbeat: '1s' } });
    const [a, b] = replicas;
    a!.scheduler.start();
    b!.scheduler.start();
    await clock.advance('2s');
    b!.fleet.dead = true; // killed: its leave never reaches the server
    await b!.scheduler.stopJobs();
    expect((await server.replicas()).map((x) => x.id)).toEqual(['r0', 'r1']);
    await clock.advance('2999ms'); // its last heartbeat was at 2 s
    expect((await server.replicas()).map((x) => x.id)).toEqual(['r0', 'r1']);
    await clock.advance('1ms');
    expect((await server.replicas()).map((x) => x.id)).toEqual(['r0']);
    await close();
  });

  test('the clock offset is measured from each round trip and sent at once when the first shows one', async () => {
    const { clock, replicas, server, close } = fleetOf([250, -120, 0], { fleet: { heartbeat: '1s' } });
    for (const r of replicas) r.scheduler.start();
    await flush();
    const sent = replicas.map((r) => r.fleet.beats.map((b) => b.beat.clockOffsetMs));
    // Unknown before the first answer; the measured one follows at once when it is not 0.
    expect(sent).toEqual([[0, 250], [0, -120], [0]]);
    await clock.advance('1s');
    expect(replicas.map((r) => r.fleet.beats.at(-1)!.beat.clockOffsetMs)).toEqual([250, -120, 0]);
    const listed = await server.replicas();
    expect(listed.map((x) => [x.id, x.clockOffsetMs])).toEqual([
      ['r0', 250],
      ['r1', -120],
      ['r2', 0],
    ]);
    await close();
  });

  test('a failing fleet is logged once per streak; runs go on; the last view stays', async () => {
    const { clock, replicas, server, close } = fleetOf([0], { fleet: { heartbeat: '1s' } });
    const [r] = replicas;
    let runs = 0;
    const job = r!.scheduler.newJob(durationJob('1s'), () => void runs++, { name: 'tick' });
    const quiet = r!.scheduler.newJob(durationJob('1s'), () => {}, { name: 'quiet' });
    await server.pause('quiet');
    r!.scheduler.start();
    await clock.advance('2s');
    expect(quiet.isPaused()).toBe(true);
    r!.fleet.down = true;
    await server.resume('quiet'); // not seen while the fleet is down: the last view stays
    await clock.advance('5s');
    expect(quiet.isPaused()).toBe(true);
    expect(runs).toBe(7);
    const warnings = () => r!.logger.lines.filter(([level]) => level === 'warn').map(([, m]) => m);
    expect(warnings()).toEqual([expect.stringMatching(/fleet heartbeat failed; keeping the last view/)]);
    expect(r!.fleet.beats.length).toBeGreaterThanOrEqual(7);
    r!.fleet.down = false;
    await clock.advance('1s');
    expect(quiet.isPaused()).toBe(false);
    expect(r!.logger.lines).toContainEqual(['info', 'tscron: the fleet heartbeat works again']);
    r!.fleet.down = true;
    await clock.advance('2s');
    expect(warnings()).toHaveLength(2); // a new streak
    expect(job.isPaused()).toBe(false);
    await r!.scheduler.syncFleet().then(
      () => expect.unreachable('syncFleet resolved while the fleet is down'),
      (error: Error) => expect(error.message).toBe('fleet server down'),
    );
    // Leaving fails too: logged, and the stop still resolves.
    await r!.scheduler.stopJobs();
    expect(warnings().at(-1)).toMatch(/leaving the fleet failed/);
    await close();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('syncFleet follows the newer heartbeat when the server answers its own later than an interval', async () => {
    const clock = new FakeClock(T0);
    const inner = new MemoryFleet({ clock, heartbeat: '1s' });
    const fleet = new RecordingFleet(inner, clock);
    const scheduler = createScheduler({ clock, fleet, logger: recordingLogger(), replica: 'x' });
    const job = scheduler.newJob(durationJob('1s'), () => {}, { name: 'quiet' });
    scheduler.start();
    await flush();
    await inner.pause('quiet');
    fleet.slowBeats.push(1500);
    let synced: string | undefined;
    const sync = scheduler.syncFleet().then(
      () => {
        synced = 'resolved';
      },
      (error: Error) => {
        synced = error.message;
      },
    );
    await clock.advance('999ms');
    expect(synced).toBeUndefined();
    // The loop's next heartbeat gives up on the slow one and is answered at once.
    await clock.advance('1ms');
    await sync;
    expect(synced).toBe('resolved');
    expect(job.isPaused()).toBe(true);
    await scheduler.shutdown();
  });

  test('a heartbeat that never answers is given up after one interval, and leaving is bounded by the stop timeout', async () => {
    const clock = new FakeClock(T0);
    const inner = new MemoryFleet({ clock, heartbeat: '1s' });
    let hang = false;
    const aborted: unknown[] = [];
    const fleet = Object.create(inner, {
      heartbeat: {
        value: (beat: never, options: { signal: AbortSignal }) =>
          hang
            ? new Promise((_, reject) =>
                options.signal.addEventListener('abort', () => {
                  aborted.push(options.signal.reason);
                  reject(options.signal.reason);
                }),
              )
            : inner.heartbeat(beat, options),
      },
      leave: { value: () => new Promise(() => {}) },
    });
    const logger = recordingLogger();
    const scheduler = createScheduler({ clock, fleet, logger, stopTimeout: '2s', replica: 'x' });
    scheduler.start();
    await flush();
    hang = true;
    await clock.advance('1s');
    await clock.advance('1s');
    expect(aborted).toHaveLength(1);
    expect(String((aborted[0] as Error).message)).toMatch(/no answer within 1s/);
    let stopped = false;
    const stop = scheduler.stopJobs().then(() => {
      stopped = true;
    });
    await clock.advance('1999ms');
    expect(stopped).toBe(false);
    await clock.advance('1ms');
    await stop;
    expect(stopped).toBe(true);
    expect(logger.lines).toContainEqual([
      'warn',
      'tscron: leaving the fleet did not finish within the stop timeout of 2s',
    ]);
    await scheduler.shutdown({ signal: AbortSignal.abort() });
    expect(clock.pendingTimers()).toBe(0);
  });

  test('until the first heartbeat settles, due runs wait for it: at most one interval, and the wait is no lateness', async () => {
    const clock = new FakeClock(T0);
    const inner = new MemoryFleet({ clock, heartbeat: '1s' });
    let answer = false;
    const fleet = Object.create(inner, {
      heartbeat: {
        value: (beat: never, options: { signal: AbortSignal }) =>
          answer
            ? inner.heartbeat(beat, options)
            : new Promise((_, reject) =>
                options.signal.addEventListener('abort', () => reject(options.signal.reason)),
              ),
      },
    });
    const delays: number[] = [];
    const scheduler = createScheduler({
      clock,
      fleet,
      replica: 'slow',
      logger: recordingLogger(),
      monitor: {
        jobSchedulingDelay: (_job, at, started) => void delays.push(started.getTime() - at.getTime()),
      },
    });
    const runs: number[] = [];
    scheduler.newJob(durationJob('1h'), () => void runs.push(clock.now() - T0), {
      name: 'boot',
      startAt: 'immediately',
      missedRuns: 'skip',
    });
    scheduler.start();
    await clock.advance('999ms');
    expect(runs).toEqual([]);
    answer = true;
    await clock.advance('1ms'); // the first heartbeat is given up; the second answers
    expect(runs).toEqual([1000]);
    expect(delays).toEqual([0]);
    await scheduler.shutdown();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('the heartbeat timer holds the process open like the scheduler does, never with unref, never after stop', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const held = createScheduler({ fleet: new MemoryFleet({ heartbeat: '1h' }), replica: 'held' });
    held.start();
    await flush();
    expect(timers()).toBe(before + 1);
    await held.stopJobs();
    expect(timers()).toBe(before);
    const loose = createScheduler({
      fleet: new MemoryFleet({ heartbeat: '1h' }),
      replica: 'loose',
      unref: true,
    });
    loose.start();
    await flush();
    expect(timers()).toBe(before);
    await Promise.all([held.shutdown(), loose.shutdown()]);
    expect(timers()).toBe(before);
  });
});

describe('fleet-wide pause', () => {
  test('seen at once where syncFleet is called, by the others within one heartbeat; resume likewise', async () => {
    const { clock, replicas, server, close } = fleetOf([0, 100, -100], { fleet: { heartbeat: '2s' } });
    const runs: string[] = [];
    const jobs: Job[] = [];
    const events: SchedulerEvent[] = [];
    for (const r of replicas) {
      jobs.push(r.scheduler.newJob(durationJob('500ms'), () => void runs.push(r.id), { name: 'report' }));
      r.scheduler.newJob(durationJob('500ms'), () => {}, { name: 'other' });
      r.scheduler.start();
    }
    replicas[1]!.scheduler.subscribe((event) => events.push(event));
    await clock.advance('1s');
    // 00:00.000 (seen by the replica 100 ms behind, started after it), 00:00.500 and 00:01.000.
    expect(runs.length).toBe(3);
    await replicas[0]!.scheduler.fleet!.pause('report');
    await replicas[0]!.scheduler.syncFleet();
    expect(jobs.map((job) => job.isPaused())).toEqual([true, false, false]);
    await clock.advance('2s');
    expect(jobs.map((job) => job.isPaused())).toEqual([true, true, true]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'job', change: 'paused' }));
    const pausedAt = runs.length;
    await clock.advance('10s');
    expect(runs.length).toBe(pausedAt);
    expect(replicas.every((r) => r.scheduler.jobs()[1]!.isPaused() === false)).toBe(true);
    await server.resume('report');
    await clock.advance('2s');
    expect(jobs.map((job) => job.isPaused())).toEqual([false, false, false]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'job', change: 'resumed' }));
    await clock.advance('2s');
    expect(runs.length).toBeGreaterThan(pausedAt + 2);
    await close();
  });

  test('only the jobs the fleet paused are resumed; a job added while paused starts paused', async () => {
    const { clock, replicas, server, close } = fleetOf([0], { fleet: { heartbeat: '1s' } });
    const s = replicas[0]!.scheduler;
    const mine = s.newJob(durationJob('1s'), () => {}, { name: 'mine' });
    const fleets = s.newJob(durationJob('1s'), () => {}, { name: 'fleets' });
    s.start();
    mine.pause();
    await server.pause('mine');
    await server.pause('fleets');
    await server.pause('later');
    await s.syncFleet();
    expect([mine.isPaused(), fleets.isPaused()]).toEqual([true, true]);
    const later = s.newJob(durationJob('1s'), () => {}, { name: 'later' });
    expect(later.isPaused()).toBe(true);
    expect(later.nextRun()).toBeUndefined();
    // An update starts a job afresh, and the fleet still pauses it.
    s.update(later.id, durationJob('2s'), () => {}, { name: 'later' });
    expect(later.isPaused()).toBe(true);
    for (const name of ['mine', 'fleets', 'later']) await server.resume(name);
    await clock.advance('1s');
    expect([mine.isPaused(), fleets.isPaused(), later.isPaused()]).toEqual([true, false, false]);
    await close();
  });

  test('a paused job is not claimed, not even by a run due at start; syncFleet on a stopped scheduler reads the pause', async () => {
    const { clock, replicas, server, close } = fleetOf([0, 0], { fleet: { heartbeat: '1s' } });
    const claims: string[] = [];
    for (const r of replicas) {
      const lock = r.locker.lock.bind(r.locker);
      r.locker.lock = (key, options) => {
        claims.push(key);
        return lock(key, options);
      };
    }
    await server.pause('boot');
    const [a, b] = replicas;
    const boot = a!.scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'boot' });
    await a!.scheduler.syncFleet(); // not started: reads the paused jobs only
    expect(boot.isPaused()).toBe(true);
    expect((await server.replicas()).length).toBe(0);
    b!.scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'boot' });
    b!.scheduler.newJob(durationJob('1s'), () => {}, { name: 'boot', startAt: 'immediately' });
    a!.scheduler.start();
    b!.scheduler.start();
    await clock.advance('3s');
    expect(claims).toEqual([]);
    await close();
  });
});
