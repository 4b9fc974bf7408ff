// What people write first: the next id is MAX(id) + 1, read and then inserted in one transaction. Two
// transactions that read before either commits pick the same id. Without a unique constraint both rows
// go in (duplicate keys, counted by the tests); with the primary key the second blocks on the first's
// uncommitted row and, when it commits, fails with 23505 (DuplicateKeyError here): the caller must retry,
// and under concurrency most attempts collide. Import from 'poc-postgres-sequences/naive'.
import type pg from 'pg';
import { DuplicateKeyError, check, isUniqueViolation, postgresCall } from './errors.ts';
import type { KeyStrategy } from './keys.ts';
import { checkPayloads, checkTable, primaryKeyStats, type KeyedTable, type TableOptions } from './table.ts';

/** For the data generator: ids 1..n, as MAX()+1 would have made them one at a time. */
export const maxPlusOneKeys: KeyStrategy = { name: 'MAX()+1', column: 'bigint', generatedSql: 'i' };

export interface MaxPlusOneOptions extends TableOptions {
  /** With a primary key (default true); false leaves id a plain indexed column, so duplicates go in. */
  unique?: boolean;
  /** Awaited between reading MAX(id) and inserting: where a test holds every writer with a barrier. */
  between?: () => Promise<void>;
}

export function maxPlusOneTable(pool: Pick<pg.Pool, 'query' | 'connect'>, options: MaxPlusOneOptions): KeyedTable {
  const table = checkTable(pool, options);
  check.kind(typeof pool.connect === 'function', 'db', 'must be a pg.Pool (MAX()+1 needs a transaction)', pool);
  const { unique = true, between } = options;
  check.that(typeof unique === 'boolean', 'options.unique', 'must be a boolean', unique);
  if (between !== undefined) check.fn('options.between', between);
  const t = `"${table}"`;
  return {
    table,
    keys: maxPlusOneKeys.name,
    async create() {
      await postgresCall(`creating ${table}`, () =>
        pool.query(
          unique
            ? `CREATE TABLE ${t} (id bigint PRIMARY KEY, payload text NOT NULL)`
            : `CREATE TABLE ${t} (id bigint NOT NULL, payload text NOT NULL); CREATE INDEX ON ${t} (id)`,
        ),
      );
    },
    async insert(payloads, { signal } = {}) {
      checkPayloads(payloads, signal);
      const tx = await postgresCall(`connecting to insert into ${table}`, () => pool.connect());
      let broken: Error | undefined;
      const onLost = (e: Error): void => void (broken ??= e);
      tx.on('error', onLost);
      try {
        await tx.query('BEGIN');
        const { rows } = await tx.query<{ m: string }>(`SELECT coalesce(max(id), 0) AS m FROM ${t}`);
        await between?.();
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO ${t} (id, payload) SELECT $1::bigint + o, p FROM unnest($2::text[]) WITH ORDINALITY u(p, o)
           RETURNING id::text`,
          [rows[0]!.m, payloads],
        );
        await tx.query('COMMIT');
        return inserted.rows.map((r) => r.id);
      } catch (e) {
        await tx.query('ROLLBACK').catch((rollbackError: Error) => void (broken ??= rollbackError));
        if (isUniqueViolation(e)) throw new DuplicateKeyError(table, e);
        return await postgresCall(`inserting ${payloads.length} rows into ${table}`, () => Promise.reject(e));
      } finally {
        tx.off('error', onLost);
        tx.release(broken);
      }
    },
    indexStats: () => primaryKeyStats(pool, table),
  };
}
