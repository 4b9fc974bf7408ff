// What people write first: `WHERE title ILIKE '%term%' OR body ILIKE '%term%'`. It matches substrings,
// not words: "run" finds "truncate" and "brunch" and misses nothing spelled differently, but "running"
// never finds "runs"; there is no ranking; and without a trigram index every search reads every row.
// With pg_trgm's GIN indexes on title and body (createIndexes({ trigram: true })) the same statement is
// answered through the index, with the same substring semantics. Import it from
// 'poc-postgres-full-text-search/naive'.
import { check, postgresCall } from './errors.ts';
import { planSummary, type PlanSummary } from './plan.ts';
import { checkTable, type Queryable } from './search.ts';

export interface LikeSearch {
  readonly table: string;
  /** Ids of the articles whose title or body contains `term` (case-insensitive), ascending. */
  matchingIds(term: string, options?: { signal?: AbortSignal }): Promise<number[]>;
  explain(term: string, options?: { signal?: AbortSignal }): Promise<PlanSummary>;
}

/** The table people start with: title and body, no search vector, no index but the primary key. */
export async function createPlainTable(db: Queryable, table: string): Promise<void> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  checkTable('table', table);
  await postgresCall(`creating the table (${table})`, () =>
    db.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL)`),
  );
}

/** The statement; `%`, `_` and `\` in the term are escaped, so they match themselves. */
export function likeSql(table: string, term: string): { sql: string; values: unknown[] } {
  checkTable('table', table);
  check.that(typeof term === 'string' && term.length > 0, 'term', 'must be a non-empty string', term);
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return { sql: `SELECT id FROM ${table} WHERE title ILIKE $1 OR body ILIKE $1 ORDER BY id`, values: [pattern] };
}

export function likeSearch(db: Queryable, options: { table: string }): LikeSearch {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkTable('options.table', options.table);
  const { table } = options;
  const run = async (what: string, signal: AbortSignal | undefined, sql: string, values: unknown[]) => {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    return postgresCall(`${what} (${table}, ILIKE)`, () => db.query(sql, values));
  };
  return {
    table,
    async matchingIds(term, { signal } = {}) {
      const { sql, values } = likeSql(table, term);
      const { rows } = await run('searching', signal, sql, values);
      return rows.map((r: { id: string }) => Number(r.id));
    },
    async explain(term, { signal } = {}) {
      const { sql, values } = likeSql(table, term);
      const { rows } = await run('explaining a query', signal, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      return planSummary((rows[0] as { 'QUERY PLAN': unknown })['QUERY PLAN']);
    },
  };
}
