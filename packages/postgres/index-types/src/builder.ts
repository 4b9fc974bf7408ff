// Builds and drops the strategies' indexes on one table and reports what each costs: its size on disk
// (pg_relation_size of the index) and how long CREATE INDEX took, on a clock you can inject.
import { systemClock, type Clock } from '@poc/kit';
import { check, postgresCall } from './errors.ts';
import { onOwnConnection, type PoolLike } from './connection.ts';
import { checkStrategy, checkTable, createIndexSql, indexName, type IndexStrategy } from './strategies.ts';

export interface IndexBuilderOptions {
  /** The events table (src/events.ts) the indexes go on. */
  table: string;
  /** Where build times are read (default systemClock); only now() is used. */
  clock?: Clock;
}

export interface BuiltIndex {
  /** `<table>_<strategy>` */
  name: string;
  table: string;
  strategy: IndexStrategy;
  /** The CREATE INDEX statement that ran. */
  sql: string;
  /** pg_relation_size of the index right after the build. */
  sizeBytes: number;
  /** Wall time of CREATE INDEX on the clock, from sending it to its reply. */
  buildMs: number;
}

export interface IndexBuilder {
  readonly table: string;
  /** Drops the strategy's index if it exists, then builds it on a connection of its own; `signal` cancels it on the server. */
  build(strategy: IndexStrategy, options?: { signal?: AbortSignal }): Promise<BuiltIndex>;
  /** Drops the strategy's index; false if there was none. */
  drop(strategy: IndexStrategy): Promise<boolean>;
  /** The index's size in bytes, or undefined if it does not exist. */
  sizeOf(strategy: IndexStrategy): Promise<number | undefined>;
}

export function indexBuilder(pool: PoolLike, options: IndexBuilderOptions): IndexBuilder {
  check.kind(
    typeof pool?.connect === 'function' && typeof pool.query === 'function',
    'pool',
    'must be a pg.Pool',
    pool,
  );
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table, clock = systemClock } = options;
  checkTable('options.table', table);
  check.kind(typeof clock?.now === 'function', 'options.clock', 'must be a Clock', clock);

  const sizeOf = async (s: IndexStrategy): Promise<number | undefined> => {
    const { rows } = await postgresCall(`reading the size of ${indexName(table, s)}`, () =>
      pool.query<{ bytes: string | null }>('SELECT pg_relation_size(to_regclass($1)) AS bytes', [indexName(table, s)]),
    );
    const bytes = rows[0]?.bytes;
    return bytes === null || bytes === undefined ? undefined : Number(bytes);
  };

  return {
    table,
    async build(strategy, buildOptions = {}) {
      checkStrategy('strategy', strategy);
      check.options('options', buildOptions);
      check.signal('options.signal', buildOptions.signal);
      const name = indexName(table, strategy);
      const sql = createIndexSql(table, strategy);
      return onOwnConnection(pool, `building ${name}`, buildOptions.signal, async (c) => {
        await c.query(`DROP INDEX IF EXISTS ${name}`);
        const t0 = clock.now();
        await c.query(sql);
        const buildMs = clock.now() - t0;
        const { rows } = await c.query<{ bytes: string }>('SELECT pg_relation_size($1::regclass) AS bytes', [name]);
        return { name, table, strategy, sql, sizeBytes: Number(rows[0]!.bytes), buildMs };
      });
    },
    async drop(strategy) {
      checkStrategy('strategy', strategy);
      const name = indexName(table, strategy);
      const existed = (await sizeOf(strategy)) !== undefined;
      await postgresCall(`dropping ${name}`, () => pool.query(`DROP INDEX IF EXISTS ${name}`));
      return existed;
    },
    async sizeOf(strategy) {
      checkStrategy('strategy', strategy);
      return sizeOf(strategy);
    },
  };
}
