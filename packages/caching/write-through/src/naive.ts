// The write-through people write first: SET the cache, then write the database, and fill misses with a
// plain SET. Two ways it breaks, both shown in test/write-through.test.ts: when the database write fails
// (a constraint, a lost connection) the cache already holds a value that never committed, a phantom every
// reader is served until its TTL; and a reader that loaded before a write overwrites the written value
// with the old one. Same options and interface as writeThrough(), so tests and the bench compare like with
// like. Import it from 'poc-caching-write-through/naive'.
import { createContext, type WriteThrough, type WriteThroughOptions } from './write-through.ts';
import { postgresCall, redisCall } from './errors.ts';

export function naiveWriteThrough<V>(options: WriteThroughOptions<V>): WriteThrough<V> {
  const ctx = createContext(options);
  const { redis, pool, stats, redisKey, ttlMs, clock } = ctx;
  return {
    async set(key, value, options) {
      const signal = ctx.checkCall(key, options);
      stats.writes++;
      await redisCall(`SET ${redisKey(key)}`, () => redis.set(redisKey(key), ctx.entry(value), 'PX', ttlMs));
      const db = await postgresCall('connecting to PostgreSQL', () => pool.connect());
      try {
        await ctx.write(db, key, value, signal); // autocommit: one statement, one transaction
      } finally {
        db.release();
      }
      return { cache: 'written' };
    },
    async read(key, options) {
      const signal = ctx.checkCall(key, options);
      const raw = await redisCall(`GET ${redisKey(key)}`, () => redis.get(redisKey(key)));
      const stored = raw === null ? null : (JSON.parse(raw) as { v: V | null; e: number });
      if (stored !== null && clock.now() < stored.e) {
        stats.hits++;
        return { value: stored.v, outcome: 'hit' };
      }
      stats.misses++;
      const value = await ctx.load(key, signal);
      await redisCall(`SET ${redisKey(key)}`, () => redis.set(redisKey(key), ctx.entry(value), 'PX', ttlMs));
      return { value, outcome: 'miss' };
    },
    async get(key, options) {
      return (await this.read(key, options)).value;
    },
    redisKey,
    stats: () => ({ ...stats }),
  };
}
