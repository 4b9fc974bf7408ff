// The lab's data: an append-only events table whose time columns follow insertion order (as
// created_at does in a real log), or the very same rows written in a shuffled order. Generated on the
// server with generate_series in one INSERT ... SELECT, deterministic from a seed (hashint8extended),
// so tests, demo and bench see the same rows for the same (rows, seed).
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import { onOwnConnection, type PoolLike } from './connection.ts';
import { EVENT_COLUMNS, checkTable, type EventColumn } from './strategies.ts';

/** Row i happened EVENTS_START + i seconds (i from 1): one event per second, so each time is unique. */
export const EVENTS_START = new Date('2026-01-01T00:00:00Z');
export const TAGS_PER_ROW = 3;
export const MAX_ROWS = 50_000_000;

export interface EventsOptions {
  table: string;
  rows: number;
  /** Decides the tags, the payload and (when shuffled) the physical order. Default 1. */
  seed?: number;
  /** 'inserted' (default): physical order = time order; 'shuffled': the same rows in a random physical order. */
  order?: 'inserted' | 'shuffled';
  /** Tags are drawn from tag0 .. tag<vocabulary-1> (default 1000), so a tag is in about 3/vocabulary of rows. */
  tagVocabulary?: number;
  signal?: AbortSignal;
}

export interface EventsTable {
  table: string;
  rows: number;
  seed: number;
  order: 'inserted' | 'shuffled';
  /** Heap size in bytes (pg_relation_size) and pages, after VACUUM. */
  heapBytes: number;
  heapPages: number;
}

/** The time of row i. */
export const eventTime = (i: number): Date => new Date(EVENTS_START.getTime() + i * 1_000);
export const tagName = (k: number): string => `tag${k}`;

/** Creates (or re-creates) the table, fills it, VACUUMs and ANALYZEs it: ready for indexes and plans. */
export async function createEvents(pool: PoolLike, options: EventsOptions): Promise<EventsTable> {
  check.kind(typeof pool?.connect === 'function', 'pool', 'must be a pg.Pool', pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table, rows, seed = 1, order = 'inserted', tagVocabulary = 1_000, signal } = options;
  checkTable('options.table', table);
  check.intIn('options.rows', rows, 1, MAX_ROWS);
  check.that(Number.isSafeInteger(seed), 'options.seed', 'must be an integer', seed);
  check.oneOf('options.order', order, ['inserted', 'shuffled'] as const);
  check.intIn('options.tagVocabulary', tagVocabulary, 1, 1_000_000);
  check.signal('options.signal', signal);

  const tag = (k: number): string => `'tag' || (abs(hashint8extended(i, $2 + ${k})) % $3)`;
  // Shuffled: the same rows, ordered by a hash of their number: no relation between time and page.
  const shuffle = order === 'shuffled' ? 'ORDER BY hashint8extended(i, $2)' : '';
  await onOwnConnection(pool, `creating events table ${table}`, signal, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`CREATE TABLE ${table} (
      id bigint NOT NULL,
      at_btree timestamptz NOT NULL,
      at_hash timestamptz NOT NULL,
      at_brin timestamptz NOT NULL,
      tags text[] NOT NULL,
      payload text NOT NULL
    )`);
    await c.query('BEGIN');
    // The shared server runs with synchronous_commit=off; a commit that is not yet flushed would keep
    // VACUUM from marking the pages all-visible, so this load commits synchronously.
    await c.query('SET LOCAL synchronous_commit = on');
    await c.query(
      `INSERT INTO ${table} (id, at_btree, at_hash, at_brin, tags, payload)
       SELECT i, t, t, t, ARRAY[${[1, 2, 3].map(tag).join(', ')}], md5(i::text || ':' || $2)
       FROM (SELECT i, $4::timestamptz + i * interval '1 second' AS t FROM generate_series(1, $1::bigint) AS i) AS g
       ${shuffle}`,
      [rows, seed, tagVocabulary, EVENTS_START],
    );
    await c.query('COMMIT');
    await c.query(`VACUUM (ANALYZE) ${table}`);
  });
  const { heapBytes, heapPages } = await tableSize(pool, table);
  return { table, rows, seed, order, heapBytes, heapPages };
}

export async function tableSize(pool: PoolLike, table: string): Promise<{ heapBytes: number; heapPages: number }> {
  checkTable('table', table);
  const { rows } = await postgresCall(`reading the size of ${table}`, () =>
    pool.query<{ bytes: string; pages: string }>(
      `SELECT pg_relation_size($1::regclass) AS bytes, pg_relation_size($1::regclass) / current_setting('block_size')::int AS pages`,
      [table],
    ),
  );
  return { heapBytes: Number(rows[0]!.bytes), heapPages: Number(rows[0]!.pages) };
}

/**
 * pg_stats.correlation of a column after ANALYZE: +1 when the physical order follows the values, 0
 * when it is unrelated to them. The planner costs BRIN and B-tree range scans with it.
 */
export async function correlation(pool: Pick<pg.Pool, 'query'>, table: string, column: EventColumn): Promise<number> {
  check.kind(typeof pool?.query === 'function', 'pool', 'must be a pg.Pool', pool);
  checkTable('table', table);
  check.oneOf('column', column, EVENT_COLUMNS);
  const { rows } = await postgresCall(`reading pg_stats.correlation of ${table}.${column}`, () =>
    pool.query<{ correlation: number | null }>(
      `SELECT correlation FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1 AND attname = $2`,
      [table, column],
    ),
  );
  const value = rows[0]?.correlation;
  check.that(typeof value === 'number', 'table', `must be ANALYZEd (no pg_stats.correlation for ${column})`, table);
  return value;
}
