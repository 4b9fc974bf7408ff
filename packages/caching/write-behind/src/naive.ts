// The baseline: write-through. Every write goes to PostgreSQL (one upsert, committed) and then to Redis
// before it is acknowledged: nothing to lose, one database round trip and one row update per write.
// Same options and interface as the write-behind variants, so tests and the bench compare like with like.
// Import it from 'poc-caching-write-behind/naive'.
import { postgresCall, redisCall } from './errors.ts';
import { createContext, type WriteBehindOptions, type WriteCache } from './write-behind.ts';

export function writeThrough(options: WriteBehindOptions): WriteCache {
  const ctx = createContext(options);
  const { redis, pool, table } = ctx;
  return {
    name: ctx.name,
    get: ctx.get,
    async set(key, value, opts = {}) {
      ctx.checkWrite(key, value, opts);
      await postgresCall(`writing "${key}" to ${table}`, () =>
        pool.query(
          `INSERT INTO ${table} AS t (key, value) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, row_writes = t.row_writes + 1`,
          [key, value],
        ),
      );
      await redisCall(`writing "${key}"`, () => redis.set(ctx.valueKey(key), value));
    },
  };
}
