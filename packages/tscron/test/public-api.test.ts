import { describe, expect, it } from 'vitest';
import * as tscron from '../src/index.js';
import * as testing from '../src/testing/index.js';

// The runtime names API.md makes binding; external tests import exactly these.
const CORE = [
  'createScheduler',
  'durationJob',
  'durationRandomJob',
  'cronJob',
  'dailyJob',
  'weeklyJob',
  'monthlyJob',
  'oneTimeJob',
  'atTime',
  'Weekday',
  'nextRuns',
  'TscronError',
  'isTscronError',
  'MemoryLocker',
  'MemoryElector',
  'MemoryRunHistory',
  'MemoryFleet',
  'setRunOutput',
];
const TESTING = ['FakeClock', 'lockerContract', 'electorContract', 'fleetContract'];

describe('public API', () => {
  it.each(CORE)('tscron exports %s', (name) => {
    expect(tscron).toHaveProperty(name);
  });

  it.each(TESTING)('tscron/testing exports %s', (name) => {
    expect(testing).toHaveProperty(name);
  });

  it('a scheduler has fleet and syncFleet()', async () => {
    const fleet = new tscron.MemoryFleet();
    const scheduler = tscron.createScheduler({ fleet });
    expect(scheduler.fleet).toBe(fleet);
    expect(typeof scheduler.syncFleet).toBe('function');
    await scheduler.shutdown();
  });
});
