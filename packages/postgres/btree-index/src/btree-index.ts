// An orders table with or without B-tree indexes on the columns its queries search: a point lookup by
// a non-key column (code) and a range scan (a day of placed_at). The queries are the same text either
// way; only the indexes differ, so the planner's choice (Seq Scan vs Index / Bitmap Index Scan) is
// the whole story. Writes pay for every index: append() inserts through them.
import type pg from 'pg';
import { check, checkSignal, checkTableName, postgresCall } from './errors.ts';
import { GENERATE_ORDERS, createOrdersSql, lookupIndexes, type Order } from './orders.ts';

export interface OrdersTableOptions {
  /** The table's name (a lower-case SQL identifier); its indexes are named after it. */
  table: string;
  /** Seeds the generator (an integer from 0 to 1,000,000; default 1): same seed, same rows. */
  seed?: number;
  /** With the B-trees on code and placed_at (default true); false is the baseline without them. */
  indexed?: boolean;
}

export interface LoadOptions {
  /** Rows per INSERT ... SELECT generate_series statement (default 100,000). */
  batchRows?: number;
  /** Checked before each statement: an aborted load stops with `signal.reason`. */
  signal?: AbortSignal;
}

export interface DayTotals {
  orders: number;
  amountCents: number;
}

export interface OrdersTable {
  readonly table: string;
  readonly seed: number;
  readonly indexed: boolean;
  /** The statements the methods run, for EXPLAIN: `$1` the code; `$1`, `$2` the time range; insertIds: ids `$1`..`$2`, seed `$3`. */
  readonly sql: { readonly findByCode: string; readonly totalsBetween: string; readonly insertIds: string };
  /** (Re)creates the table with ids 1..rows, builds its indexes after the data (as a bulk load should), then ANALYZE. */
  load(rows: number, options?: LoadOptions): Promise<void>;
  /** Inserts `count` more generated rows after the highest id, through every index; returns the new highest id. One writer at a time. */
  append(count: number, options?: LoadOptions): Promise<number>;
  /** The order with this code, or null. */
  findByCode(code: string, signal?: AbortSignal): Promise<Order | null>;
  /** How many orders were placed in [from, to), and their sum. */
  totalsBetween(from: Date, to: Date, signal?: AbortSignal): Promise<DayTotals>;
  /** On-disk size of the table and of each of its indexes (the primary key included), in bytes. */
  sizes(): Promise<{ tableBytes: number; indexBytes: Record<string, number> }>;
}

/** The ordinary check of a pg Pool (or Client): recognised by its methods, so another copy of pg passes too. */
export function checkPool(pool: unknown): asserts pool is pg.Pool {
  check.kind(
    typeof pool === 'object' && pool !== null && typeof (pool as pg.Pool).query === 'function',
    'pool',
    'must be a pg.Pool',
    pool,
  );
}

function checkLoadOptions(options: unknown): { batchRows: number; signal?: AbortSignal } {
  check.options('options', options);
  const { batchRows = 100_000, signal } = (options ?? {}) as LoadOptions;
  check.intIn('options.batchRows', batchRows, 1, 1_000_000);
  check.signal('options.signal', signal);
  return { batchRows, signal };
}

export function checkRange(from: unknown, to: unknown): asserts from is Date {
  const valid = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
  check.kind(valid(from), 'from', 'must be a valid Date', from);
  check.kind(valid(to), 'to', 'must be a valid Date', to);
  check.that(to.getTime() > from.getTime(), 'to', `must be after from (${from.toISOString()})`, to.toISOString());
}

const toOrder = (r: { id: string; code: string; placed_at: Date; amount_cents: number }): Order => ({
  id: Number(r.id),
  code: r.code,
  placedAt: r.placed_at,
  amountCents: r.amount_cents,
});

/** An orders table of `pool`'s database. Every argument is checked first (a BtreeIndexArgumentError names it). */
export function ordersTable(pool: pg.Pool, options: OrdersTableOptions): OrdersTable {
  checkPool(pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table, seed = 1, indexed = true } = options;
  checkTableName('options.table', table);
  check.intIn('options.seed', seed, 0, 1_000_000);
  check.that(typeof indexed === 'boolean', 'options.indexed', 'must be a boolean', indexed);

  const sql = {
    findByCode: `SELECT id, code, placed_at, amount_cents FROM ${table} WHERE code = $1`,
    totalsBetween: `SELECT count(*)::int AS orders, coalesce(sum(amount_cents), 0)::bigint AS amount
                      FROM ${table} WHERE placed_at >= $1 AND placed_at < $2`,
    insertIds: `INSERT INTO ${table} (id, code, placed_at, amount_cents) ${GENERATE_ORDERS}`,
  };

  async function insertIds(first: number, last: number, batchRows: number, signal?: AbortSignal): Promise<void> {
    for (let from = first; from <= last; from += batchRows) {
      signal?.throwIfAborted();
      const to = Math.min(last, from + batchRows - 1);
      await postgresCall(`inserting orders ${from}..${to} into "${table}"`, () =>
        pool.query(sql.insertIds, [from, to, seed]),
      );
    }
  }

  return {
    table,
    seed,
    indexed,
    sql,
    async load(rows, loadOptions = {}) {
      check.intIn('rows', rows, 1, 10_000_000);
      const { batchRows, signal } = checkLoadOptions(loadOptions);
      signal?.throwIfAborted();
      await postgresCall(`creating "${table}"`, async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
        await pool.query(createOrdersSql(table));
      });
      await insertIds(1, rows, batchRows, signal);
      if (indexed)
        for (const index of lookupIndexes(table)) {
          signal?.throwIfAborted();
          await postgresCall(`building ${index.name}`, () => pool.query(index.sql));
        }
      signal?.throwIfAborted();
      await postgresCall(`analyzing "${table}"`, () => pool.query(`ANALYZE ${table}`));
    },
    async append(count, appendOptions = {}) {
      check.intIn('count', count, 1, 10_000_000);
      const { batchRows, signal } = checkLoadOptions(appendOptions);
      signal?.throwIfAborted();
      const { rows } = await postgresCall(`reading the highest id of "${table}"`, () =>
        pool.query<{ max: string }>(`SELECT coalesce(max(id), 0) AS max FROM ${table}`),
      );
      const first = Number(rows[0]!.max) + 1;
      await insertIds(first, first + count - 1, batchRows, signal);
      return first + count - 1;
    },
    async findByCode(code, signal) {
      check.name('code', code);
      checkSignal(signal);
      const { rows } = await postgresCall(`looking up code "${code}" in "${table}"`, () =>
        pool.query<{ id: string; code: string; placed_at: Date; amount_cents: number }>(sql.findByCode, [code]),
      );
      return rows[0] ? toOrder(rows[0]) : null;
    },
    async totalsBetween(from, to, signal) {
      checkRange(from, to);
      checkSignal(signal);
      const { rows } = await postgresCall(`summing orders of "${table}" in a time range`, () =>
        pool.query<{ orders: number; amount: string }>(sql.totalsBetween, [from, to]),
      );
      return { orders: rows[0]!.orders, amountCents: Number(rows[0]!.amount) };
    },
    async sizes() {
      const { rows } = await postgresCall(`reading the sizes of "${table}"`, () =>
        pool.query<{ name: string; bytes: string; is_table: boolean }>(
          `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes, c.relkind = 'r' AS is_table
             FROM pg_class c
            WHERE c.oid = $1::regclass
               OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)`,
          [table],
        ),
      );
      const indexBytes: Record<string, number> = {};
      let tableBytes = 0;
      for (const r of rows) {
        if (r.is_table) tableBytes = Number(r.bytes);
        else indexBytes[r.name] = Number(r.bytes);
      }
      return { tableBytes, indexBytes };
    },
  };
}
