// Behaviour against real Redis and PostgreSQL: set() leaves the cache and the committed row equal, and the
// break-it cases of the naive order (cache first, then database), each made certain: a database write that
// fails leaves a phantom in the naive cache; a reader that loaded before a write overwrites the written
// value in the naive cache. Concurrent writers of one key end with the cache equal to the row.
import { eventually, postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeThrough, type Loader, type WriteThrough, type WriteThroughOptions } from '../src/index.ts';
import { naiveWriteThrough } from '../src/naive.ts';
import { createProducts, loadPrice, priceInDatabase, writePrice, type Price } from '../src/products.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([
    redisNamespace({ name: 'write_through' }),
    postgresDatabase({ name: 'write_through' }),
  ]);
  pool = db.pool({ max: 30 });
  await createProducts(pool, ['basic', 'phantom-naive', 'phantom-pattern', 'contended']);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

const options = (keyPrefix: string, load: Loader<Price> = loadPrice(pool)): WriteThroughOptions<Price> => ({
  redis: ns.client(),
  pool,
  write: writePrice,
  load,
  ttlMs: 60_000,
  onCacheFailure: 'compensate',
  keyPrefix,
});
const makers = { naive: naiveWriteThrough<Price>, 'write-through': writeThrough<Price> };

/** The price the cache holds for `key` (null: no entry), read from Redis itself. */
async function cached(cache: WriteThrough<Price>, key: string): Promise<number | null> {
  const raw = await ns.client().get(cache.redisKey(key));
  return raw === null ? null : (JSON.parse(raw) as { v: Price }).v.cents;
}

describe('write-through against real servers', () => {
  it('set() commits the row and writes the cache: the next read, from any instance, is a hit with the committed value', async () => {
    const cache = writeThrough(options('basic:'));
    expect(await cache.set('basic', { cents: 250 })).toEqual({ cache: 'written' });
    expect(await priceInDatabase(pool, 'basic')).toBe(250);
    expect(await cached(cache, 'basic')).toBe(250);
    const other = writeThrough(options('basic:'));
    expect(await other.read('basic')).toEqual({ value: { cents: 250 }, outcome: 'hit' });
    expect(await other.read('unknown')).toEqual({ value: null, outcome: 'miss' });
    expect(await other.read('unknown')).toEqual({ value: null, outcome: 'hit' }); // "there is none", cached
  });

  it.each(Object.entries(makers))(
    'break it (%s): a write PostgreSQL rejects must not reach the cache',
    async (name, make) => {
      const key = name === 'naive' ? 'phantom-naive' : 'phantom-pattern';
      const cache = make(options(`phantom:`));
      await cache.set(key, { cents: 100 });
      const err = await cache.set(key, { cents: -5 }).catch((e: unknown) => e);
      expect((err as { constraint?: string }).constraint).toBe('price_not_negative'); // PostgreSQL's own error
      expect(await priceInDatabase(pool, key)).toBe(100);
      const served = (await cache.get(key))?.cents;
      if (name === 'naive')
        expect(served).toBe(-5); // a phantom: a price that never committed
      else expect(served).toBe(100);
    },
  );

  it.each(Object.entries(makers))(
    'break it (%s): a reader that loaded before a write must not overwrite the written value',
    async (name, make) => {
      const key = `late-reader-${name}`;
      await createProducts(pool, [key]);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let loaded = 0;
      const slowLoad: Loader<Price> = async (id, signal) => {
        const value = await loadPrice(pool)(id, signal); // reads the row as it is now: 100
        loaded++;
        await gate; // ... and is held before it fills the cache
        return value;
      };
      const reader = make(options('late:', slowLoad));
      const writer = make(options('late:'));
      const read = reader.get(key);
      await eventually(() => loaded === 1, { what: 'the reader to load the old row' });
      await writer.set(key, { cents: 300 });
      open();
      expect((await read)?.cents).toBe(100); // the read itself started before the write
      expect(await priceInDatabase(pool, key)).toBe(300);
      const served = (await writer.get(key))?.cents;
      if (name === 'naive')
        expect(served).toBe(100); // stale until the TTL ends
      else expect(served).toBe(300);
    },
  );

  it("two writers of one key, the first one's COMMIT reply held until the second has finished: the cache ends with the second", async () => {
    // The interleaving that breaks "commit, then SET": A commits, B writes, commits and sets, then A sets
    // its older value. The row lock makes B wait for A's COMMIT (which the server runs at once: only its
    // reply is held), so B always commits last; the cache must agree.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let commitSent = false;
    const heldPool = new Proxy(pool, {
      get(target, property) {
        if (property !== 'connect') return Reflect.get(target, property, target) as unknown;
        return async () => {
          const client = await target.connect();
          return new Proxy(client, {
            get(c, p) {
              const value = Reflect.get(c, p, c) as unknown;
              if (p !== 'query' || typeof value !== 'function')
                return typeof value === 'function' ? value.bind(c) : value;
              return async (...args: unknown[]) => {
                const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(c, args);
                if (args[0] === 'COMMIT') {
                  commitSent = true;
                  await gate;
                }
                return result;
              };
            },
          });
        };
      },
    });
    const a = writeThrough({ ...options('ordered:'), pool: heldPool });
    const b = writeThrough(options('ordered:'));
    const first = a.set('contended', { cents: 1 });
    await eventually(() => commitSent, { what: "the first writer's COMMIT to run" });
    await b.set('contended', { cents: 2 });
    open();
    await first;
    expect(await priceInDatabase(pool, 'contended')).toBe(2);
    expect(await cached(b, 'contended')).toBe(2);
  });

  it('concurrent writers of one key: the cache ends equal to the row that committed last (20 rounds of 20 writers)', async () => {
    const cache = writeThrough(options('contended:'));
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, w) => cache.set('contended', { cents: round * 100 + w })));
      expect(await cached(cache, 'contended')).toBe(await priceInDatabase(pool, 'contended'));
    }
  });
});
