// The naive version: the same three questions written the way people often write them first, with
// extraction operators and functions: `doc #>> '{attrs,color}' = 'red'`, `jsonb_path_exists(doc, ...)`,
// `doc -> 'discount' IS NOT NULL`. They return the same rows as @>, @? and ?, but a GIN index on `doc`
// serves operators, not expressions or functions: with the index in place the plan is still a Seq Scan.
// Not exported from the main entry: import it from 'poc-postgres-jsonb/naive'.
import { check, postgresCall } from './errors.ts';
import { planSummary } from './plan.ts';
import {
  documentStore,
  querySql,
  type DocumentStore,
  type DocumentStoreOptions,
  type JsonbQuery,
  type Queryable,
} from './store.ts';

/** Scalar leaves of a containment filter as (path, text) pairs: { attrs: { color: 'red' } } -> [['attrs','color'], 'red']. */
function leaves(filter: Record<string, unknown>, prefix: string[] = []): Array<[string[], string]> {
  return Object.entries(filter).flatMap(([key, value]): Array<[string[], string]> => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return leaves(value as Record<string, unknown>, [...prefix, key]);
    check.that(
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
      `query.contains.${[...prefix, key].join('.')}`,
      'must be a string, number, boolean or object in the naive version',
      value,
    );
    return [[[...prefix, key], String(value)]];
  });
}

/** The naive statement for a query; for a filter of scalars it returns what @> returns. */
export function naiveQuerySql(table: string, query: JsonbQuery): { sql: string; values: unknown[] } {
  querySql(table, query); // the same argument checks
  if ('contains' in query) {
    const pairs = leaves(query.contains);
    check.that(pairs.length > 0, 'query.contains', 'must have at least one key in the naive version', '{}');
    const where = pairs.map((_, i) => `doc #>> $${2 * i + 1}::text[] = $${2 * i + 2}`).join(' AND ');
    return { sql: `SELECT id FROM ${table} WHERE ${where} ORDER BY id`, values: pairs.flat() };
  }
  if ('path' in query)
    return {
      sql: `SELECT id FROM ${table} WHERE jsonb_path_exists(doc, $1::jsonpath) ORDER BY id`,
      values: [query.path],
    };
  return { sql: `SELECT id FROM ${table} WHERE doc -> $1 IS NOT NULL ORDER BY id`, values: [query.hasKey] };
}

/** The same store (table, index, generator), answering with the naive statements. */
export function naiveDocumentStore(db: Queryable, options: DocumentStoreOptions): DocumentStore {
  const store = documentStore(db, options);
  const run = async (what: string, signal: AbortSignal | undefined, sql: string, values: unknown[]) => {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    return postgresCall(`${what} (${store.table}, naive)`, () => db.query(sql, values));
  };
  return {
    ...store,
    async find(query, { signal } = {}) {
      const { sql, values } = naiveQuerySql(store.table, query);
      const { rows } = await run('finding documents', signal, sql, values);
      return rows.map((r: { id: string }) => Number(r.id));
    },
    async explain(query, { signal } = {}) {
      const { sql, values } = naiveQuerySql(store.table, query);
      const { rows } = await run('explaining a query', signal, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      return planSummary((rows[0] as { 'QUERY PLAN': unknown })['QUERY PLAN']);
    },
  };
}
