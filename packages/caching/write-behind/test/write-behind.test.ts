// Behaviour against real servers: writes readable at once, coalesced into one row update per key per
// batch (counted at PostgreSQL), a flusher SIGKILLed between taking a batch and committing it (the plain
// buffer loses the batch, counted; the durable stream loses nothing), and the version guard that keeps a
// batch claimed after a crash from overwriting a newer value.
import { fileURLToPath } from 'node:url';
import {
  postgresDatabase,
  redisNamespace,
  spawnTsWorker,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createWriteBehindTable, durableWriteBehind, writeBehind, zipfKeys } from '../src/index.ts';
import { writeThrough } from '../src/naive.ts';

const flusherScript = fileURLToPath(new URL('../src/lab/flusher.ts', import.meta.url));

let redisNs: RedisNamespace;
let db: PostgresDatabase;
let redis: Redis;
let pool: pg.Pool;
let tables = 0;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'write_behind' });
  db = await postgresDatabase({ name: 'write_behind' });
  redis = redisNs.client();
  pool = db.pool();
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

async function freshTable(): Promise<string> {
  const table = `kv_${++tables}`;
  await createWriteBehindTable(pool, table);
  return table;
}

async function rowsOf(table: string): Promise<Map<string, { value: string; writes: number }>> {
  const { rows } = await pool.query<{ key: string; value: string; row_writes: string }>(
    `SELECT key, value, row_writes FROM ${table}`,
  );
  return new Map(rows.map((r) => [r.key, { value: r.value, writes: Number(r.row_writes) }]));
}

describe('coalescing, counted at PostgreSQL', () => {
  it('1000 writes to one key: write-through updates the row 1000 times, both write-behind variants once', async () => {
    const [t1, t2, t3] = [await freshTable(), await freshTable(), await freshTable()];
    const through = writeThrough({ redis, pool, name: 'c-through', table: t1 });
    const plain = writeBehind({ redis, pool, name: 'c-plain', table: t2 });
    const durable = durableWriteBehind({ redis, pool, name: 'c-durable', table: t3, batchSize: 5_000 });
    await durable.init();
    for (const cache of [through, plain, durable]) for (let i = 1; i <= 1_000; i++) await cache.set('hot', `v${i}`);
    expect(await plain.drain()).toEqual({ taken: 1, rows: 1 });
    expect(await durable.drain()).toEqual({ taken: 1_000, rows: 1 });
    expect((await rowsOf(t1)).get('hot')).toEqual({ value: 'v1000', writes: 1_000 });
    expect((await rowsOf(t2)).get('hot')).toEqual({ value: 'v1000', writes: 1 });
    expect((await rowsOf(t3)).get('hot')).toEqual({ value: 'v1000', writes: 1 });
    expect(plain.stats().coalesced).toBe(999);
    expect(durable.stats().coalesced).toBe(999);
  });

  it.each(['plain', 'durable'] as const)(
    '%s: 32 concurrent writers on Zipfian keys with the flusher running: every key ends in PostgreSQL as in Redis, in fewer row updates than writes',
    async (variant) => {
      const table = await freshTable();
      const options = { redis, pool, name: `z-${variant}`, table, batchSize: 200 };
      const cache = variant === 'plain' ? writeBehind(options) : durableWriteBehind(options);
      if (variant === 'durable') await (cache as ReturnType<typeof durableWriteBehind>).init();
      const stop = new AbortController();
      const flusher = cache.run(stop.signal, { idleMs: 2 });
      const keys = zipfKeys({ seed: 3, keys: 100, count: 4_000 });
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < keys.length) {
            const i = next++;
            await cache.set(keys[i]!, `w${i}`);
          }
        }),
      );
      stop.abort();
      await flusher;
      await cache.drain();
      const rows = await rowsOf(table);
      const distinct = new Set(keys);
      expect(rows.size).toBe(distinct.size);
      for (const key of distinct) expect(rows.get(key)?.value).toBe(await redis.get(`z-${variant}:v:${key}`));
      const rowUpdates = [...rows.values()].reduce((n, r) => n + r.writes, 0);
      expect(rowUpdates).toBeLessThan(keys.length);
      expect(cache.stats().writes).toBe(keys.length);
    },
  );

  it('a write is readable at once, before any flush (from Redis), and from PostgreSQL once Redis lost it', async () => {
    const table = await freshTable();
    const cache = writeBehind({ redis, pool, name: 'read', table });
    await cache.set('k', 'one');
    expect(await cache.get('k')).toBe('one');
    expect((await rowsOf(table)).size).toBe(0);
    await cache.drain();
    await redis.del('read:v:k'); // evicted
    expect(await cache.get('k')).toBe('one');
  });
});

describe('the flusher SIGKILLed between taking a batch and committing it', () => {
  const WRITES = 200;

  async function crashFlusher(variant: 'plain' | 'durable', name: string, table: string): Promise<void> {
    const worker = spawnTsWorker(flusherScript, [variant, redisNs.url, redisNs.prefix, db.url, name, table]);
    onTestFinished(() => worker.kill());
    await worker.waitForLine(`took ${WRITES}`);
    await worker.kill();
  }

  it('plain: every write of the batch was acknowledged and none reaches PostgreSQL, even after a new flusher runs', async () => {
    const table = await freshTable();
    const cache = writeBehind({ redis, pool, name: 'kill-plain', table });
    for (let i = 0; i < WRITES; i++) await cache.set(`k${i}`, `v${i}`); // all acknowledged
    await crashFlusher('plain', 'kill-plain', table);
    expect(await cache.drain()).toEqual({ taken: 0, rows: 0 }); // the buffer is empty: taken by the dead flusher
    const lost = WRITES - (await rowsOf(table)).size;
    expect(lost).toBe(WRITES);
  });

  it('durable: the dead flusher’s entries stay pending, are claimed again, and every acknowledged write is in PostgreSQL', async () => {
    const table = await freshTable();
    const cache = durableWriteBehind({ redis, pool, name: 'kill-durable', table, consumer: 'survivor' });
    await cache.init();
    for (let i = 0; i < WRITES; i++) await cache.set(`k${i}`, `v${i}`);
    await crashFlusher('durable', 'kill-durable', table);
    expect((await rowsOf(table)).size).toBe(0);
    expect(await cache.pending()).toBe(WRITES);
    expect(await cache.recover(0)).toEqual({ taken: WRITES, rows: WRITES });
    const rows = await rowsOf(table);
    for (let i = 0; i < WRITES; i++) expect(rows.get(`k${i}`)?.value).toBe(`v${i}`);
    expect(await cache.pending()).toBe(0);
  });

  it('durable: a batch claimed after a crash never overwrites a newer value committed since', async () => {
    const table = await freshTable();
    const crashing = durableWriteBehind({
      redis,
      pool,
      name: 'order',
      table,
      consumer: 'a',
      beforeCommit: () => {
        throw new Error('crash before commit');
      },
    });
    const survivor = durableWriteBehind({ redis, pool, name: 'order', table, consumer: 'b' });
    await survivor.init();
    await survivor.set('k', 'old');
    await expect(crashing.flushOnce()).rejects.toThrow('crash before commit'); // 'old' pending at consumer a
    await survivor.set('k', 'new');
    expect(await survivor.flushOnce()).toEqual({ taken: 1, rows: 1 });
    expect(await survivor.recover(0)).toEqual({ taken: 1, rows: 1 }); // 'old' claimed and applied ... refused
    expect((await rowsOf(table)).get('k')).toEqual({ value: 'new', writes: 1 });
  });
});
