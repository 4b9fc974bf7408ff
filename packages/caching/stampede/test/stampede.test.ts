// A hot key expiring under 200 concurrent readers, against real Redis and PostgreSQL; loads are counted
// by PostgreSQL itself (src/source.ts). holdReplies + barrier make the race certain: every reader's GET
// is answered (the key expired) before any reader loads, so the naive count is exact, not "about 200".
import {
  barrier,
  holdReplies,
  postgresDatabase,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock, systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockedCache, singleFlight, type Cached, type Loader } from '../src/index.ts';
import { naiveCache } from '../src/naive.ts';
import { createSource, loadsAtDatabase, reportLoader, type Report } from '../src/source.ts';

const READERS = 200;
const TTL_MS = 60_000;
let ns: RedisNamespace;
let db: PostgresDatabase;
let loader: Loader<Report | null>;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'stampede' });
  db = await postgresDatabase({ name: 'stampede' });
  await createSource(db.pool(), ['hot', 'cross', 'failing', 'orphan', 'patient']);
  loader = reportLoader(db.pool({ max: 10 }), 5);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** Expiry from a ManualClock, waiting (lock polls) in real time: nothing in the test sleeps. */
function expiryClock(): { clock: Clock; manual: ManualClock } {
  const manual = new ManualClock();
  return { manual, clock: { now: () => manual.now(), sleep: systemClock.sleep, schedule: systemClock.schedule } };
}

/**
 * Fills `key` through an ungated cache, moves the clock past its expiry, then READERS gets at once,
 * spread over `processes` instances made by `make` on clients whose first READERS GET replies are held
 * until all have been answered. Returns the loads PostgreSQL counted during the stampede.
 */
async function expireUnderReaders(
  key: string,
  processes: number,
  make: (redis: Redis, clock: Clock) => Cached<Report | null>,
): Promise<{ loads: number; values: Array<Report | null>; caches: Array<Cached<Report | null>> }> {
  const { clock, manual } = expiryClock();
  await make(ns.client(), clock).get(key);
  await manual.advance(TTL_MS);
  const gate = barrier(READERS);
  let seen = 0;
  const then = (): Promise<void> => (seen++ < READERS ? gate() : Promise.resolve());
  const caches = Array.from({ length: processes }, () => make(holdReplies(ns.client(), ['get'], then), clock));
  const before = await loadsAtDatabase(db.pool(), key);
  const values = await Promise.all(Array.from({ length: READERS }, (_, i) => caches[i % processes]!.get(key)));
  return { loads: (await loadsAtDatabase(db.pool(), key)) - before, values, caches };
}

describe('a hot key expiring under 200 concurrent readers', () => {
  it('break it: the naive cache sends all 200 loads to PostgreSQL; lockedCache sends 1', async () => {
    const naive = await expireUnderReaders('hot', 1, (redis, clock) =>
      naiveCache(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'naive:', clock }),
    );
    expect(naive.loads).toBe(READERS);

    const locked = await expireUnderReaders('hot', 1, (redis, clock) =>
      lockedCache(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'locked:', clock, pollMs: 5 }),
    );
    expect(locked.loads).toBe(1);
    expect(new Set(locked.values.map((v) => JSON.stringify(v)))).toEqual(new Set(['{"key":"hot","total":300}']));
  });

  it('across 4 cache instances (own connection and memory each, as 4 processes have): singleFlight alone sends 4 loads, the Redis lock 1', async () => {
    const sf = await expireUnderReaders('cross', 4, (redis, clock) =>
      naiveCache(singleFlight(loader), { redis, ttlMs: TTL_MS, keyPrefix: 'sf:', clock }),
    );
    expect(sf.loads).toBe(4);

    const locked = await expireUnderReaders('cross', 4, (redis, clock) =>
      lockedCache(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'lk:', clock, pollMs: 5 }),
    );
    expect(locked.loads).toBe(1);
    expect(locked.caches.reduce((n, c) => n + c.stats().waits, 0)).toBe(3); // the three other processes waited
  });

  it('a holder whose load fails frees the lock: a waiter in another process loads, and the error is not cached', async () => {
    const { clock } = expiryClock();
    let fail!: (e: Error) => void;
    const failing: Loader<Report | null> = () => new Promise((_, reject) => (fail = reject));
    const a = lockedCache(failing, {
      redis: ns.client(),
      ttlMs: TTL_MS,
      keyPrefix: 'fail:',
      clock,
      pollMs: 5,
      lockTtlMs: TTL_MS,
    }); // only a release frees it in time
    const b = lockedCache(loader, { redis: ns.client(), ttlMs: TTL_MS, keyPrefix: 'fail:', clock, pollMs: 5 });
    const first = a.get('failing').catch((e: unknown) => e);
    await expect.poll(() => a.stats().loads).toBe(1); // a holds the lock and is loading
    const second = b.get('failing');
    await expect.poll(() => b.stats().waits).toBe(1); // b waits for a
    fail(new Error('database said no'));
    expect(((await first) as Error).message).toBe('database said no');
    expect(await second).toEqual({ key: 'failing', total: 700 });
    expect(b.stats().loads).toBe(1);
    expect(await loadsAtDatabase(db.pool(), 'failing')).toBe(1);
  });

  it('a holder that died (its lock left behind) delays the others only until the lock lapses; then one loads', async () => {
    const redis = ns.client();
    await redis.set('dead:orphan:lock', 'a crashed process', 'PX', 300); // real Redis expiry: the server's clock
    const caches = Array.from({ length: 3 }, () =>
      lockedCache(loader, { redis: ns.client(), ttlMs: TTL_MS, keyPrefix: 'dead:', pollMs: 10 }),
    );
    const values = await Promise.all(Array.from({ length: 30 }, (_, i) => caches[i % 3]!.get('orphan')));
    expect(values.every((v) => v?.total === 600)).toBe(true);
    expect(await loadsAtDatabase(db.pool(), 'orphan')).toBe(1);
  });

  it('a waiter whose signal aborts stops polling at once with the signal’s reason, and loads nothing', async () => {
    await ns.client().set('aborted:patient:lock', 'someone else', 'PX', TTL_MS);
    const cache = lockedCache(loader, { redis: ns.client(), ttlMs: TTL_MS, keyPrefix: 'aborted:', pollMs: 50 });
    const controller = new AbortController();
    const outcome = cache.get('patient', { signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => cache.stats().waits).toBe(1);
    controller.abort(new Error('the request was cancelled'));
    expect(((await outcome) as Error).message).toBe('the request was cancelled');
    expect(cache.stats().loads).toBe(0);
  });

  it('a waiter gives up after waitMs (by the clock) with a StampedeTimeoutError, and loads nothing', async () => {
    const clock = new ManualClock();
    await ns.client().set('stuck:patient:lock', 'someone else', 'PX', TTL_MS);
    const cache = lockedCache(loader, {
      redis: ns.client(),
      ttlMs: TTL_MS,
      keyPrefix: 'stuck:',
      clock,
      pollMs: 100,
      waitMs: 1_000,
    });
    let settled = false;
    const outcome = cache
      .get('patient')
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    let polls = 0;
    for (;;) {
      await expect.poll(() => settled || clock.pending > 0).toBe(true); // the waiter is asleep, or done
      if (settled) break;
      polls++;
      await clock.advance(100);
    }
    const err = (await outcome) as Error;
    expect(polls).toBe(10); // 1,000 ms of 100 ms polls, by the clock
    expect(err.name).toBe('StampedeTimeoutError');
    expect(err.message).toBe(
      'waited 1000 ms for another caller to load "patient"; neither the value nor the lock came',
    );
    expect(await loadsAtDatabase(db.pool(), 'patient')).toBe(0);
  });
});
