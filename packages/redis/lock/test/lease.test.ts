// When the holder learns that its lease is over. withLock aborts the work's signal once the lock is
// lost; these tests cut the holder off from Redis (a toxiproxy partition, replies slower than the lease)
// and check that the abort comes no later than the lease's end, and so before another process can take
// the lock. The ManualClock tests pin the schedule to the millisecond; the partition test shows the order
// of events on the real clock, against the real expiry of the key.
import { setTimeout as nextTimer } from 'node:timers/promises';
import {
  eventually,
  proxyTo,
  redisClient,
  redisNamespace,
  type ProxiedServer,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  LockLostError,
  LockServiceError,
  acquire,
  isLockError,
  tryAcquire,
  withLock,
  type Lock,
} from '../src/index.ts';
import { signalled, untilAborted } from './helpers.ts';

let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lease' });
});
afterAll(() => ns?.close());

/**
 * A holder's client that reaches Redis through toxiproxy, so the test can cut it off. It has no offline
 * queue: while the link is down every command fails at once (as on a refused connection), so an
 * extension fails well before the lease ends — the case a fixed extension interval got wrong.
 */
async function holderBehindProxy(): Promise<{ proxy: ProxiedServer; client: Redis; cutOff: () => Promise<void> }> {
  const proxy = await proxyTo(new URL(ns.url).host, { name: 'lock_holder' });
  onTestFinished(() => proxy.close());
  const client = redisClient(proxy.via(ns.url), { keyPrefix: ns.prefix, enableOfflineQueue: false });
  client.on('error', () => {}); // the partition's connection errors are expected; commands report them
  onTestFinished(() => void client.disconnect());
  await eventually(() => client.status === 'ready', { what: 'the holder’s client to connect' });
  const cutOff = async (): Promise<void> => {
    await proxy.cut();
    await eventually(() => client.status !== 'ready', { what: 'the holder’s client to lose its connection' });
  };
  return { proxy, client, cutOff };
}

/** withLock around work that runs until its signal aborts; resolves once the work has started. */
async function holding(redis: Redis, name: string, options: Parameters<typeof withLock>[2]) {
  const started = signalled<{ signal: AbortSignal; lock: Lock }>();
  const outcome = withLock(redis, name, options, (signal, lock) => {
    started.resolve({ signal, lock });
    return untilAborted(signal);
  }).catch((e: unknown) => e);
  return { ...(await started.promise), outcome };
}

describe('after a failed extension (the kit’s ManualClock drives the schedule)', () => {
  it('aborts the work’s signal exactly when the lease runs out, not at the next extension tick after it', async () => {
    const { client, cutOff } = await holderBehindProxy();
    const clock = new ManualClock();
    const start = clock.now();
    const { signal, lock, outcome } = await holding(client, 'after-failure', {
      ttlMs: 30_000,
      extendEveryMs: 20_000,
      clock,
    });
    expect(lock.validUntil).toBe(start + 30_000);

    await cutOff();
    await clock.advance(20_000); // the extension goes out and fails at once: 10 s of the lease are left
    expect(lock.extensions).toBe(0);
    await clock.advance(9_999);
    expect(signal.aborted).toBe(false); // the lease still runs: Redis may answer the next check
    await clock.advance(1); // validUntil: the next check falls here, not a whole interval after the failure
    expect(signal.aborted).toBe(true);

    const err = await outcome;
    expect(err).toBeInstanceOf(LockLostError);
    expect((err as Error).message).toMatch(
      /^lock "after-failure" was lost: its lease ran out while extensions failed \(extending lock "after-failure" failed: /,
    );
    expect((err as Error).cause).toBeInstanceOf(LockServiceError);
    expect(signal.reason).toBe(err);
  });

  it('retries at the next tick while the lease lasts, and keeps the lock when Redis answers again', async () => {
    const { proxy, client, cutOff } = await holderBehindProxy();
    const clock = new ManualClock();
    const start = clock.now();
    const finish = signalled();
    const started = signalled<{ signal: AbortSignal; lock: Lock }>();
    const outcome = withLock(client, 'retried', { ttlMs: 30_000, clock }, async (signal, lock) => {
      started.resolve({ signal, lock });
      await finish.promise;
      return signal.aborted;
    });
    const { signal, lock } = await started.promise;

    await cutOff();
    await clock.advance(10_000); // ttl/3: this extension fails
    expect(lock.extensions).toBe(0);
    await proxy.restore();
    await eventually(() => client.status === 'ready', { what: 'the holder’s client to reconnect' });
    await clock.advance(10_000); // 20 s: the retry goes out and Redis confirms it
    await eventually(() => lock.extensions === 1, { what: 'the retried extension to be confirmed' });
    expect(lock.validUntil).toBe(start + 20_000 + 30_000);
    await clock.advance(10_000); // 30 s: the first lease's end passes, the extended lease runs on
    expect(signal.aborted).toBe(false);

    finish.resolve();
    expect(await outcome).toBe(false);
  });
});

describe('through a real partition (system clock, real key expiry)', () => {
  it('aborts the holder’s signal before another client can take the lock when its extensions fail', async () => {
    const { client, cutOff } = await holderBehindProxy();
    const events: string[] = [];
    // One extension at 900 ms, which fails at once; a fixed interval would check next at 1 800 ms,
    // long after the lease ends at 1 000 ms and the key expires in Redis.
    const { signal, lock, outcome } = await holding(client, 'partition', { ttlMs: 1_000, extendEveryMs: 900 });
    signal.addEventListener('abort', () => events.push('holder aborted'));
    await cutOff();

    // Another client polls until Redis lets it in: only once the holder's key has expired there.
    const next = await acquire(ns.client(), 'partition', {
      ttlMs: 30_000,
      retryDelayMs: 1,
      retryJitterMs: 0,
      acquireTimeoutMs: 30_000,
    });
    // Let timers that fell due before this point run first (the holder's abort is one, if the fix is in),
    // so a test process that the OS paused around the lease's end cannot invert the order it records.
    await nextTimer(0);
    events.push('other client acquired');

    expect(events).toEqual(['holder aborted', 'other client acquired']);
    expect(next.fence).toBe(lock.fence + 1);
    const err = await outcome;
    expect(isLockError(err, 'lost')).toBe(true);
    expect((err as Error).message).toMatch(/^lock "partition" was lost: its lease ran out /);
    expect(await next.release()).toBe(true);
  });

  it('does not start the work when the reply to the acquisition arrives after the lease ran out', async () => {
    const { proxy, client } = await holderBehindProxy();
    await proxy.addLatency(1_500); // every reply to the holder arrives 1.5 s late: later than its 1 s lease
    let ran = false;
    const err = await withLock(client, 'late-reply', { ttlMs: 1_000 }, async () => {
      ran = true;
    }).catch((e: unknown) => e);

    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(LockLostError);
    expect((err as Error).message).toBe('lock "late-reply" was lost: its lease ran out before the work could start');
    // The lease really was over: another client takes the lock with the next fencing token.
    const next = await tryAcquire(ns.client(), 'late-reply', { ttlMs: 30_000 });
    expect(next?.fence).toBe(2);
    expect(await next!.release()).toBe(true);
  });
});
