// What NatsLocker asks of its bucket, and that expiry follows the server's time, not the client's.
import { Kvm } from '@nats-io/kv';
import { isTscronError } from 'tscron';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { NatsLocker } from '../src/index.js';
import { connectTo, up } from './support.js';

const signal = () => new AbortController().signal;
const nc = up ? await connectTo() : undefined;
const suffix = `${process.pid}_${Date.now()}`;
const made: string[] = [];
afterAll(async () => {
  if (nc === undefined) return;
  const kvm = new Kvm(nc);
  for (const name of made) await (await kvm.open(name)).destroy().catch(() => undefined);
  await nc.close();
});

async function bucket(name: string, options: { history: number; ttl: number }): Promise<string> {
  const full = `${name}_${suffix}`;
  await new Kvm(nc as NonNullable<typeof nc>).create(full, options);
  made.push(full);
  return full;
}

describe.skipIf(!up)('the bucket', () => {
  it('is created on first use with one revision per key, file storage and an hour of max age', async () => {
    const name = `tscron_created_${suffix}`;
    made.push(name);
    const locker = new NatsLocker({ client: nc as NonNullable<typeof nc>, bucket: name });
    const lock = await locker.lock('job', { scheduledAt: new Date(), signal: signal() });
    expect(lock?.fence).toBe(1n);
    await lock?.unlock();
    const status = await (await new Kvm(nc as NonNullable<typeof nc>).open(name)).status();
    expect(status.history).toBe(1);
    expect(status.ttl).toBe(3_600_000);
    expect(status.streamInfo.config.storage).toBe('file');
  });

  it('one that keeps several revisions per key is refused with ERR_INVALID_OPTION naming it', async () => {
    const name = await bucket('tscron_history', { history: 3, ttl: 0 });
    const locker = new NatsLocker({ client: nc as NonNullable<typeof nc>, bucket: name });
    const error = await rejection(locker.lock('job', { scheduledAt: new Date(), signal: signal() }));
    expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
    expect(error.message).toContain(`bucket "${name}" keeps 3 revisions per key`);
  });

  it('one that drops entries sooner than a claim lives is refused with ERR_INVALID_OPTION', async () => {
    const name = await bucket('tscron_short', { history: 1, ttl: 5000 });
    const locker = new NatsLocker({ client: nc as NonNullable<typeof nc>, bucket: name, ttl: '30s' });
    const error = await rejection(locker.lock('job', { scheduledAt: new Date(), signal: signal() }));
    expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
    expect(error.message).toContain('drops entries after 5000ms');
  });
});

describe.skipIf(!up)('expiry follows the server clock', () => {
  it('a client whose clock is an hour ahead or behind neither takes a live claim nor keeps a dead one', async () => {
    const client = nc as NonNullable<typeof nc>;
    const bucketName = `tscron_clock_${suffix}`;
    made.push(bucketName);
    const holder = new NatsLocker({ client, bucket: bucketName, ttl: 600, renewInterval: 200, minHold: 0 });
    const other = new NatsLocker({ client, bucket: bucketName, ttl: 600, renewInterval: 200, minHold: 0 });
    const scheduledAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const realNow = Date.now;
    try {
      for (const skew of [3_600_000, -3_600_000]) {
        const key = `skew${skew}`;
        const lock = await holder.lock(key, { scheduledAt, signal: signal() });
        expect(lock).not.toBeNull();
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
        expect(await other.lock(key, { scheduledAt, signal: signal() })).toBeNull();
        vi.restoreAllMocks();
        await lock?.unlock();
        const again = await other.lock(key, { scheduledAt, signal: signal() });
        expect(again).not.toBeNull();
        // A dead holder (never unlocked, never renewed) frees the occurrence after its TTL.
        (again as unknown as { abandon(): void }).abandon();
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() - skew);
        await new Promise((resolve) => setTimeout(resolve, 700));
        const taken = await holder.lock(key, { scheduledAt, signal: signal() });
        vi.restoreAllMocks();
        expect(taken).not.toBeNull();
        await taken?.unlock();
      }
    } finally {
      vi.restoreAllMocks();
      await holder.close();
      await other.close();
    }
  });
});
