// The four strategies side by side on the items table, with one shape (get, write) so the tests, the demo
// and the bench run the same work on each; plus the forced race and the concurrent mix they are judged by.
// A lab fixture, not the package's API: the index does not export it (it uses the harness's barrier).
import { barrier } from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { leasedCache, versionedCache, type CacheStats, type Loader } from '../invalidation.ts';
import { readAll, versionedItemLoader, writeItem } from '../items.ts';
import { deleteAfterWrite, updateAfterWrite } from '../naive.ts';
import type { WorkloadOp } from '../workload.ts';

export const strategyNames = ['delete-after-write', 'update-after-write', 'versions', 'leases'] as const;
export type StrategyName = (typeof strategyNames)[number];

export interface Strategy {
  readonly name: StrategyName;
  get(key: string): Promise<string>;
  /** Commits a new value to PostgreSQL, then tells the cache (delete, update, tombstone). Returns the row's new version. */
  write(key: string, value: string): Promise<number>;
  /** What Redis holds for `key` (null when nothing or a tombstone). */
  cached(key: string): Promise<string | null>;
  /** Runs `hook` inside the next load, after the row was read and before the value is returned. */
  onNextLoad(hook: () => Promise<void>): void;
  stats(): CacheStats;
}

export interface StrategyOptions {
  redis: Redis;
  pool: pg.Pool;
  /** Key prefix of this strategy's cache. */
  name: string;
  ttlMs: number;
  /** Extra time each load takes in PostgreSQL (pg_sleep), in ms: a slower query widens the race window. */
  loadDelayMs?: number;
}

/** What each strategy adds to the shared parts: its cache, and what a write tells it after the commit. */
interface Parts {
  get(key: string): Promise<string>;
  stats(): CacheStats;
  afterCommit(key: string, value: string, version: number): Promise<void>;
  /** The cached string for `key`, when the cache keeps it somewhere other than a JSON string at <name>:<key>. */
  cached?(key: string): Promise<string | null>;
}

interface Loaders {
  plain: Loader<string>;
  versioned: Loader<{ value: string; version: number }>;
}

type CacheOptions = Pick<StrategyOptions, 'redis' | 'name' | 'ttlMs'>;

const strategies: Record<StrategyName, (loaders: Loaders, options: CacheOptions) => Parts> = {
  'delete-after-write': ({ plain }, options) => {
    const cache = deleteAfterWrite(plain, options);
    return { get: (key) => cache.get(key), stats: cache.stats, afterCommit: (key) => cache.invalidate(key) };
  },
  'update-after-write': ({ plain }, options) => {
    const cache = updateAfterWrite(plain, options);
    return { get: (key) => cache.get(key), stats: cache.stats, afterCommit: (key, value) => cache.update(key, value) };
  },
  versions: ({ versioned }, options) => {
    const cache = versionedCache(versioned, options);
    return {
      get: (key) => cache.get(key),
      stats: cache.stats,
      afterCommit: (key, _value, version) => cache.invalidate(key, version),
      async cached(key) {
        const raw = await options.redis.hget(cache.redisKey(key), 'd');
        return raw === null ? null : (JSON.parse(raw) as string);
      },
    };
  },
  leases: ({ plain }, options) => {
    const cache = leasedCache(plain, options);
    return { get: (key) => cache.get(key), stats: cache.stats, afterCommit: (key) => cache.invalidate(key) };
  },
};

export function strategy(kind: StrategyName, options: StrategyOptions): Strategy {
  const { redis, pool, name, ttlMs, loadDelayMs = 0 } = options;
  const rowLoader = versionedItemLoader(pool, loadDelayMs);
  let hook: (() => Promise<void>) | undefined;
  const versioned: Loader<{ value: string; version: number }> = async (key, signal) => {
    const row = await rowLoader(key, signal);
    const h = hook;
    hook = undefined;
    await h?.();
    return row;
  };
  const plain: Loader<string> = async (key, signal) => (await versioned(key, signal)).value;
  const parts = strategies[kind]({ plain, versioned }, { redis, name, ttlMs });
  return {
    name: kind,
    onNextLoad: (h) => void (hook = h),
    get: (key) => parts.get(key),
    stats: () => parts.stats(),
    async cached(key) {
      if (parts.cached) return parts.cached(key);
      const raw = await redis.get(`${name}:${key}`);
      return raw === null ? null : (JSON.parse(raw) as string);
    },
    async write(key, value) {
      const { version } = await writeItem(pool, key, value);
      await parts.afterCommit(key, value, version);
      return version;
    },
  };
}

/**
 * The classic race, made certain, once per key: a reader misses and reads the row; the writer then
 * commits a new value and invalidates; only then does the reader store what it read. Afterwards a read
 * of the key is compared with the database. Each key must not be cached before (a fresh key per round).
 * Returns the keys whose read after the race was stale.
 */
export async function forcedRaces(s: Strategy, keys: readonly string[]): Promise<string[]> {
  const stale: string[] = [];
  for (const [round, key] of keys.entries()) {
    const readDone = barrier(2);
    const writeDone = barrier(2);
    s.onNextLoad(async () => {
      await readDone(); // the row has been read ...
      await writeDone(); // ... and the writer committed and invalidated before the reader stores it
    });
    const fresh = `${s.name}-race-${round}`;
    await Promise.all([
      s.get(key),
      (async () => {
        await readDone();
        await s.write(key, fresh);
        await writeDone();
      })(),
    ]);
    if ((await s.get(key)) !== fresh) stale.push(key);
  }
  return stale;
}

export interface MixResult {
  reads: number;
  writes: number;
  /**
   * Reads that returned a value older than a write to the same key that had fully finished (committed
   * and invalidated) before the read began: what a user sees as "I saved it and it is not there".
   */
  staleReads: number;
  /** Keys whose cached value differs from the database once every operation has finished. */
  staleKeys: number;
}

/** Runs `ops` with `concurrency` callers in flight; each write stores a value unique to it. */
export async function runMix(
  s: Strategy,
  pool: pg.Pool,
  ops: readonly WorkloadOp[],
  concurrency: number,
  tag = 'w',
): Promise<MixResult> {
  let next = 0;
  let reads = 0;
  let writes = 0;
  let staleReads = 0;
  const versionOf = new Map<string, number>(); // value -> version of the row that holds it
  const floor = new Map<string, number>(); // key -> highest version whose write has finished
  const { rows } = await pool.query<{ key: string; value: string; version: string }>(
    'SELECT key, value, version FROM items',
  );
  for (const r of rows) {
    versionOf.set(r.value, Number(r.version));
    floor.set(r.key, Number(r.version));
  }
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ops.length) {
        const i = next++;
        const op = ops[i]!;
        if (op.kind === 'read') {
          const before = floor.get(op.key) ?? 0;
          const value = await s.get(op.key);
          // A value not yet recorded comes from a write still in flight: fresh.
          const version = versionOf.get(value) ?? Number.POSITIVE_INFINITY;
          if (version < before) staleReads++;
          reads++;
        } else {
          const value = `${tag}-${i}`;
          const version = await s.write(op.key, value);
          versionOf.set(value, version);
          floor.set(op.key, Math.max(floor.get(op.key) ?? 0, version));
          writes++;
        }
      }
    }),
  );
  return { reads, writes, staleReads, staleKeys: await countStale(s, pool) };
}

/** Keys whose cached value (if any) differs from the row in PostgreSQL. */
export async function countStale(s: Strategy, pool: pg.Pool): Promise<number> {
  let stale = 0;
  for (const [key, value] of await readAll(pool)) {
    const cached = await s.cached(key);
    if (cached !== null && cached !== value) stale++;
  }
  return stale;
}
