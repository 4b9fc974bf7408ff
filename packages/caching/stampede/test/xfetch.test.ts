// XFetch's probability, checked exactly: a random source that walks a uniform grid makes "refresh with
// probability p" a count, round(N * p), which PostgreSQL then counts as loads. Time is a ManualClock;
// the loader moves it to give the entry its delta (how long a recompute takes).
import {
  barrier,
  holdReplies,
  postgresDatabase,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xfetchCache, xfetchProbability, xfetchShouldRefresh, type Loader } from '../src/index.ts';
import { createSource, loadsAtDatabase, reportLoader, type Report } from '../src/source.ts';

const TTL_MS = 10_000;
const DELTA_MS = 100;
let ns: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'xfetch' });
  db = await postgresDatabase({ name: 'xfetch' });
  await createSource(db.pool(), ['seq', 'g1', 'g2', 'g3', 'g4', 'b2', 'expired']);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** u_i = (i + 0.5) / n for i in 0..n-1, in a scrambled order: exactly round(n * p) of them are <= p. */
function uniformGrid(n: number): () => number {
  const order = Array.from({ length: n }, (_, i) => (i * 7919) % n); // 7919 is prime, coprime with n = 200
  let i = 0;
  return () => (order[i++ % n]! + 0.5) / n;
}

/** A loader that takes DELTA_MS of the clock's time. */
const timedLoader = (clock: ManualClock): Loader<Report | null> => {
  const load = reportLoader(db.pool());
  return async (key, signal) => {
    const value = await load(key, signal);
    await clock.advance(DELTA_MS);
    return value;
  };
};

describe('the XFetch test itself', () => {
  it('refreshes exactly when rand <= exp(-gap / (delta * beta)), the paper’s probability', () => {
    const N = 100_000;
    for (const [gap, delta, beta] of [
      [100, 100, 1],
      [300, 100, 1],
      [300, 100, 2],
      [50, 200, 0.5],
      [0, 100, 1],
      [-5, 100, 1],
    ] as const) {
      const expiry = 1_000_000;
      let refreshes = 0;
      for (let i = 0; i < N; i++)
        if (xfetchShouldRefresh(expiry - gap, delta, beta, expiry, (i + 0.5) / N)) refreshes++;
      const p = xfetchProbability(gap, delta, beta);
      expect(Math.abs(refreshes - N * p)).toBeLessThanOrEqual(1);
    }
    expect(xfetchProbability(300, 100, 1)).toBeCloseTo(Math.exp(-3), 12);
    expect(xfetchProbability(1, 0, 1)).toBe(0); // a free recompute is never done early
  });
});

describe('xfetchCache on Redis and PostgreSQL', () => {
  it('one reader at a time: only the draw below exp(-gap / delta) refreshes, the rest read the entry', async () => {
    const clock = new ManualClock();
    const draws = [0.9, 0.5, 0.2, 0.14, 0.13];
    const cache = xfetchCache(timedLoader(clock), {
      redis: ns.client(),
      ttlMs: TTL_MS,
      clock,
      random: () => draws.shift()!,
    });
    await cache.get('seq'); // the first load: takes DELTA_MS, expires TTL_MS later
    await clock.advance(TTL_MS - 2 * DELTA_MS); // 200 ms before expiry: p = e^-2 = 0.135
    for (let i = 0; i < 4; i++) await cache.get('seq');
    expect(await loadsAtDatabase(db.pool(), 'seq')).toBe(1); // 0.9, 0.5, 0.2, 0.14 are all > 0.135
    await cache.get('seq'); // 0.13 <= 0.135
    expect(await loadsAtDatabase(db.pool(), 'seq')).toBe(2);
    expect(cache.stats()).toEqual({ gets: 6, hits: 4, loads: 2, waits: 0 });
  });

  it.each([
    ['g1', 1, 0.5],
    ['g2', 1, 2],
    ['g3', 1, 4],
    ['g4', 1, 6],
    ['b2', 2, 2],
  ] as const)(
    '200 concurrent readers of key %s (beta %d) %d deltas before expiry: round(200 * p) of them load',
    async (key, beta, deltasBefore) => {
      const clock = new ManualClock();
      const redis = ns.client();
      const cache = xfetchCache(timedLoader(clock), { redis, ttlMs: TTL_MS, clock, beta, keyPrefix: `${key}:` });
      await cache.get(key);
      await clock.advance(TTL_MS - deltasBefore * DELTA_MS);
      const gate = barrier(200);
      let seen = 0;
      const gated = xfetchCache(reportLoader(db.pool({ max: 10 })), {
        redis: holdReplies(redis, ['get'], () => (seen++ < 200 ? gate() : Promise.resolve())),
        ttlMs: TTL_MS,
        clock,
        beta,
        keyPrefix: `${key}:`,
        random: uniformGrid(200),
      });
      const before = await loadsAtDatabase(db.pool(), key);
      await Promise.all(Array.from({ length: 200 }, () => gated.get(key)));
      const p = xfetchProbability(deltasBefore * DELTA_MS, DELTA_MS, beta);
      expect((await loadsAtDatabase(db.pool(), key)) - before).toBe(Math.round(200 * p));
    },
  );

  it('a key that has expired is loaded by every reader that misses (XFetch alone does not cover a cold key)', async () => {
    const clock = new ManualClock();
    const redis = ns.client();
    await xfetchCache(timedLoader(clock), { redis, ttlMs: TTL_MS, clock, keyPrefix: 'cold:' }).get('expired');
    await clock.advance(TTL_MS);
    const gate = barrier(50);
    let seen = 0;
    const gated = xfetchCache(reportLoader(db.pool({ max: 10 })), {
      redis: holdReplies(redis, ['get'], () => (seen++ < 50 ? gate() : Promise.resolve())),
      ttlMs: TTL_MS,
      clock,
      keyPrefix: 'cold:',
    });
    await Promise.all(Array.from({ length: 50 }, () => gated.get('expired')));
    expect(await loadsAtDatabase(db.pool(), 'expired')).toBe(1 + 50);
  });
});
