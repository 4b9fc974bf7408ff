// The source of truth for tests, demo and bench: items (key → value, version) in PostgreSQL, a Loader
// that reads one and counts its calls, the write every process makes (UPDATE, then the cache is told),
// and a seeded hot/cold key workload. A fixture, imported by path.
import type pg from 'pg';
import { postgresCall } from './errors.ts';
import type { Loader } from './multi-layer.ts';

export interface Item {
  key: string;
  value: string;
  version: number;
}

/** Creates the table with keys item:1..item:count at version 1 (value "v1"). */
export async function seedItems(pool: pg.Pool, count: number): Promise<void> {
  await postgresCall('seeding items', () =>
    pool.query(`
      CREATE TABLE IF NOT EXISTS items (key text PRIMARY KEY, value text NOT NULL, version int NOT NULL);
      INSERT INTO items SELECT 'item:' || i, 'v1', 1 FROM generate_series(1, ${Math.trunc(count)}) i
      ON CONFLICT (key) DO UPDATE SET value = 'v1', version = 1`),
  );
}

export interface CountingLoader extends Loader<Item | null> {
  /** Calls so far (each one a query at PostgreSQL). */
  readonly calls: number;
}

/** Reads one item (null when there is none), counting its calls. */
export function itemLoader(pool: pg.Pool): CountingLoader {
  let calls = 0;
  const load = async (key: string, signal?: AbortSignal): Promise<Item | null> => {
    signal?.throwIfAborted();
    calls++;
    const { rows } = await postgresCall(`loading ${key}`, () =>
      pool.query<Item>('SELECT key, value, version FROM items WHERE key = $1', [key]),
    );
    return rows[0] ?? null;
  };
  return Object.defineProperty(load, 'calls', { get: () => calls }) as CountingLoader;
}

/** The write: a new value and version in PostgreSQL (the caller then invalidates the cache). */
export async function writeItem(pool: pg.Pool, key: string, value: string): Promise<Item> {
  const { rows } = await postgresCall(`writing ${key}`, () =>
    pool.query<Item>(
      `INSERT INTO items VALUES ($1, $2, 1) ON CONFLICT (key) DO UPDATE SET value = $2, version = items.version + 1
       RETURNING key, value, version`,
      [key, value],
    ),
  );
  return rows[0]!;
}

/** A seeded PRNG in [0, 1) (xorshift32): the same seed draws the same keys in every run. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4_294_967_296;
  };
}

/** Keys item:1..keys, a `hotShare` of draws going to the first `hot` of them (the rest uniform over all). */
export function hotColdKeys(options: { keys: number; hot: number; hotShare: number; seed: number }): () => string {
  const random = seeded(options.seed);
  return () => {
    const pool = random() < options.hotShare ? options.hot : options.keys;
    return `item:${1 + Math.floor(random() * pool)}`;
  };
}
