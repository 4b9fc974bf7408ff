// Customers' orders under one of three indexes: none, a composite B-tree on (customer_id, placed_at),
// or the same B-tree with INCLUDE (amount_cents), which covers the totals query so PostgreSQL can answer
// it from the index alone (an Index Only Scan). "Alone" holds only for heap pages the visibility map
// marks all-visible: VACUUM sets those bits, any write clears them, and each row on an unmarked page
// costs a heap fetch. The table is created with autovacuum off so that state is the caller's to set.
import type pg from 'pg';
import { check, checkPool, checkSignal, checkTableName, postgresCall } from './errors.ts';
import { GENERATE_ORDERS, INDEX_SHAPES, createOrdersSql, indexFor, type IndexShape } from './orders.ts';

export interface CustomerOrdersOptions {
  /** The table's name (a lower-case SQL identifier); its index is named after it. */
  table: string;
  /** Which index to build after the load (default 'covering'). */
  index?: IndexShape;
  /** Seeds the generator (an integer from 0 to 1,000,000; default 1): same seed, same rows. */
  seed?: number;
  /** Distinct customers (default 10,000): a customer has rows ÷ customers orders. */
  customers?: number;
}

export interface LoadOptions {
  /** Rows per INSERT ... SELECT generate_series statement (default 100,000). */
  batchRows?: number;
  /** Checked before each statement: an aborted load stops with `signal.reason`. */
  signal?: AbortSignal;
}

/** Which orders to total: a customer's, a time range's [from, to), or a customer's in a range. */
export interface TotalsFilter {
  customerId?: number;
  from?: Date;
  to?: Date;
}

export interface Totals {
  orders: number;
  amountCents: number;
}

export interface CustomerOrders {
  readonly table: string;
  readonly index: IndexShape;
  /** The index built on top of the primary key, or null for 'none'. */
  readonly indexName: string | null;
  readonly seed: number;
  readonly customers: number;
  /** The statement totals() runs for each filter, for EXPLAIN: customer $1, range $1..$2 (or $2..$3 after a customer). */
  readonly sql: { readonly byCustomer: string; readonly byCustomerInRange: string; readonly inRange: string };
  /** (Re)creates the table (autovacuum off), loads ids 1..rows with synchronous_commit on, builds the index, ANALYZE. No VACUUM. */
  load(rows: number, options?: LoadOptions): Promise<void>;
  /** Inserts `count` more generated orders after the highest id (a later bulk load); returns the new highest id. One writer at a time. */
  append(count: number, options?: LoadOptions): Promise<number>;
  /** Count and sum of amount_cents of the orders the filter selects. */
  totals(filter: TotalsFilter, signal?: AbortSignal): Promise<Totals>;
  /** Updates every n-th order's status (a write that clears the all-visible bit of its page); returns rows updated. */
  touch(everyNth: number, signal?: AbortSignal): Promise<number>;
  /** VACUUM: marks the pages with no dead or recent rows all-visible in the visibility map. */
  vacuum(signal?: AbortSignal): Promise<void>;
  /** Heap pages, and how many the visibility map marks all-visible (pg_visibility). */
  visibility(): Promise<{ pages: number; allVisible: number }>;
}

const TOTALS = 'SELECT count(*)::int AS orders, coalesce(sum(amount_cents), 0)::bigint AS amount FROM';

/** Checks a filter: a positive integer customer, and/or a valid [from, to) range with to after from. */
export function checkFilter(filter: unknown): asserts filter is TotalsFilter {
  check.kind(typeof filter === 'object' && filter !== null, 'filter', 'must be an object', filter);
  const { customerId, from, to } = filter as TotalsFilter;
  if (customerId !== undefined) check.positiveInt('filter.customerId', customerId);
  const valid = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
  if (from !== undefined || to !== undefined) {
    check.kind(valid(from), 'filter.from', 'must be a valid Date (with filter.to)', from);
    check.kind(valid(to), 'filter.to', 'must be a valid Date (with filter.from)', to);
    check.that(to > from, 'filter.to', `must be after filter.from (${from.toISOString()})`, to.toISOString());
  }
  check.that(
    customerId !== undefined || from !== undefined,
    'filter',
    'must name a customerId, a from/to range, or both',
    '{}',
  );
}

/** Orders of `pool`'s database under one index shape. Every argument is checked first. */
export function customerOrders(pool: pg.Pool, options: CustomerOrdersOptions): CustomerOrders {
  checkPool(pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table, index = 'covering', seed = 1, customers = 10_000 } = options;
  checkTableName('options.table', table);
  check.oneOf('options.index', index, INDEX_SHAPES);
  check.intIn('options.seed', seed, 0, 1_000_000);
  check.intIn('options.customers', customers, 1, 1_000_000);
  const built = indexFor(table, index);

  const sql = {
    byCustomer: `${TOTALS} ${table} WHERE customer_id = $1`,
    byCustomerInRange: `${TOTALS} ${table} WHERE customer_id = $1 AND placed_at >= $2 AND placed_at < $3`,
    inRange: `${TOTALS} ${table} WHERE placed_at >= $1 AND placed_at < $2`,
  };

  /** Runs statements in one transaction whose commit is flushed before it returns (see load()). */
  async function flushedTransaction(what: string, body: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await postgresCall(`connecting for ${what}`, () => pool.connect());
    let broken: Error | undefined;
    try {
      await postgresCall(what, async () => {
        await client.query('BEGIN');
        await client.query('SET LOCAL synchronous_commit = on');
        try {
          await body(client);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => void (broken = rollbackError));
          throw e;
        }
      });
    } finally {
      client.release(broken);
    }
  }

  async function insertIds(first: number, last: number, batchRows: number, signal?: AbortSignal): Promise<void> {
    // With synchronous_commit off (the shared server's setting), a VACUUM soon after the load cannot
    // mark pages all-visible until the load's commit record reaches the disk: flush it at commit.
    for (let from = first; from <= last; from += batchRows) {
      signal?.throwIfAborted();
      const to = Math.min(last, from + batchRows - 1);
      await flushedTransaction(`inserting orders ${from}..${to} into "${table}"`, async (client) => {
        await client.query(
          `INSERT INTO ${table} (id, customer_id, placed_at, amount_cents, status, note) ${GENERATE_ORDERS}`,
          [from, to, seed, customers],
        );
      });
    }
  }

  function checkLoadOptions(loadOptions: unknown): { batchRows: number; signal?: AbortSignal } {
    check.options('options', loadOptions);
    const { batchRows = 100_000, signal } = (loadOptions ?? {}) as LoadOptions;
    check.intIn('options.batchRows', batchRows, 1, 1_000_000);
    checkSignal('options.signal', signal);
    return { batchRows, signal };
  }

  return {
    table,
    index,
    indexName: built?.name ?? null,
    seed,
    customers,
    sql,
    async load(rows, loadOptions = {}) {
      check.intIn('rows', rows, 1, 10_000_000);
      const { batchRows, signal } = checkLoadOptions(loadOptions);
      await postgresCall(`creating "${table}"`, async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
        await pool.query(createOrdersSql(table));
      });
      await insertIds(1, rows, batchRows, signal);
      signal?.throwIfAborted();
      if (built) await postgresCall(`building ${built.name}`, () => pool.query(built.sql));
      await postgresCall(`analyzing "${table}"`, () => pool.query(`ANALYZE ${table}`));
    },
    async append(count, appendOptions = {}) {
      check.intIn('count', count, 1, 10_000_000);
      const { batchRows, signal } = checkLoadOptions(appendOptions);
      const { rows } = await postgresCall(`reading the highest id of "${table}"`, () =>
        pool.query<{ max: string }>(`SELECT coalesce(max(id), 0) AS max FROM ${table}`),
      );
      const first = Number(rows[0]!.max) + 1;
      await insertIds(first, first + count - 1, batchRows, signal);
      return first + count - 1;
    },
    async totals(filter, signal) {
      checkFilter(filter);
      checkSignal('signal', signal);
      const { customerId, from, to } = filter;
      const [text, values] =
        customerId === undefined
          ? [sql.inRange, [from, to]]
          : from === undefined
            ? [sql.byCustomer, [customerId]]
            : [sql.byCustomerInRange, [customerId, from, to]];
      const { rows } = await postgresCall(`totalling orders of "${table}"`, () =>
        pool.query<{ orders: number; amount: string }>(text, values),
      );
      return { orders: rows[0]!.orders, amountCents: Number(rows[0]!.amount) };
    },
    async touch(everyNth, signal) {
      check.positiveInt('everyNth', everyNth);
      checkSignal('signal', signal);
      let updated = 0;
      await flushedTransaction(`updating every ${everyNth}th order of "${table}"`, async (client) => {
        const result = await client.query(
          `UPDATE ${table} SET status = 'reviewed' WHERE id % $1 = 0 AND status <> 'reviewed'`,
          [everyNth],
        );
        updated = result.rowCount ?? 0;
      });
      return updated;
    },
    async vacuum(signal) {
      checkSignal('signal', signal);
      await postgresCall(`vacuuming "${table}"`, () => pool.query(`VACUUM ${table}`));
    },
    async visibility() {
      return postgresCall(`reading the visibility map of "${table}"`, async () => {
        await pool.query('CREATE EXTENSION IF NOT EXISTS pg_visibility');
        const { rows } = await pool.query<{ pages: string; all_visible: string }>(
          `SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int AS pages, all_visible
             FROM pg_visibility_map_summary($1::regclass)`,
          [table],
        );
        return { pages: Number(rows[0]!.pages), allVisible: Number(rows[0]!.all_visible) };
      });
    },
  };
}
