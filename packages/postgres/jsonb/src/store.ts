// A JSONB document table with a choice of GIN operator class, and the three questions GIN can answer:
// containment (@>), a jsonpath predicate (@?) and key existence (?). The SQL is the same whatever the
// index; the planner decides whether the index serves it, and explain() shows what it decided.
import type pg from 'pg';
import { checkTable, generateDocuments, type GenerateOptions } from './documents.ts';
import { check, postgresCall } from './errors.ts';
import { planSummary, type PlanSummary } from './plan.ts';

/** `none` is the baseline; `jsonb_ops` is GIN's default for jsonb; `jsonb_path_ops` indexes only values with their paths. */
export const JSONB_INDEXES = ['none', 'jsonb_ops', 'jsonb_path_ops'] as const;
export type JsonbIndex = (typeof JSONB_INDEXES)[number];

/** What the store needs from pg: a Pool, PoolClient or Client. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** One question, as an object: `{ contains: { category: 'books' } }`, `{ path: '$.tags[*] ? (@ == "eco")' }`, `{ hasKey: 'discount' }`. */
export type JsonbQuery = { contains: Record<string, unknown> } | { path: string } | { hasKey: string };

export interface DocumentStoreOptions {
  /** The table (created by createTable()); its index is `<table>_doc_gin`. */
  table: string;
  /** Default 'jsonb_path_ops'. */
  index?: JsonbIndex;
}

export interface DocumentStore {
  readonly table: string;
  readonly index: JsonbIndex;
  /** `<table>_doc_gin`, or undefined without an index. */
  readonly indexName: string | undefined;
  /** CREATE TABLE (id bigint primary key, doc jsonb not null). */
  createTable(options?: { signal?: AbortSignal }): Promise<void>;
  /** CREATE INDEX ... USING gin (doc <opclass>); nothing for 'none'. Build it after a bulk load: it is faster. */
  createIndex(options?: { signal?: AbortSignal }): Promise<void>;
  /** Generated documents (src/documents.ts), deterministic from the seed. */
  generate(options: GenerateOptions): Promise<number>;
  /** Inserts documents in one statement (unnest of two arrays): every index on the table is maintained as part of it. */
  insert(documents: ReadonlyArray<{ id: number; doc: object }>, options?: { signal?: AbortSignal }): Promise<number>;
  /** ANALYZE, so the planner knows the table's size before it chooses. */
  analyze(options?: { signal?: AbortSignal }): Promise<void>;
  /** Ids of the matching documents, ascending. */
  find(query: JsonbQuery, options?: { signal?: AbortSignal }): Promise<number[]>;
  /** Runs the query under EXPLAIN (ANALYZE, FORMAT JSON): the plan's nodes and the rows it returned. */
  explain(query: JsonbQuery, options?: { signal?: AbortSignal }): Promise<PlanSummary>;
  /** On-disk bytes of the heap (with TOAST) and of the GIN index (0 without one). */
  sizes(): Promise<{ tableBytes: number; indexBytes: number }>;
}

/** The statement for a query: the same text whichever index the table has. */
export function querySql(table: string, query: JsonbQuery): { sql: string; values: unknown[] } {
  checkTable('table', table);
  checkQuery(query);
  if ('contains' in query)
    return {
      sql: `SELECT id FROM ${table} WHERE doc @> $1::jsonb ORDER BY id`,
      values: [JSON.stringify(query.contains)],
    };
  if ('path' in query)
    return { sql: `SELECT id FROM ${table} WHERE doc @? $1::jsonpath ORDER BY id`, values: [query.path] };
  return { sql: `SELECT id FROM ${table} WHERE doc ? $1 ORDER BY id`, values: [query.hasKey] };
}

export function documentStore(db: Queryable, options: DocumentStoreOptions): DocumentStore {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkTable('options.table', options.table);
  const { table, index = 'jsonb_path_ops' } = options;
  check.oneOf('options.index', index, JSONB_INDEXES);
  const indexName = index === 'none' ? undefined : `${table}_doc_gin`;

  const run = async <R extends pg.QueryResultRow>(
    what: string,
    signal: AbortSignal | undefined,
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> => {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    return postgresCall(`${what} (${table})`, () => db.query<R>(sql, values));
  };

  return {
    table,
    index,
    indexName,
    async createTable({ signal } = {}) {
      await run('creating the table', signal, `CREATE TABLE ${table} (id bigint PRIMARY KEY, doc jsonb NOT NULL)`);
    },
    async createIndex({ signal } = {}) {
      if (indexName === undefined) return;
      await run('building the GIN index', signal, `CREATE INDEX ${indexName} ON ${table} USING gin (doc ${index})`);
    },
    generate: (generateOptions) => generateDocuments(db, table, generateOptions),
    async insert(documents, { signal } = {}) {
      check.kind(Array.isArray(documents) && documents.length > 0, 'documents', 'must be a non-empty array', documents);
      documents.forEach((d, i) => {
        check.positiveInt(`documents[${i}].id`, d?.id);
        check.kind(typeof d.doc === 'object' && d.doc !== null, `documents[${i}].doc`, 'must be an object', d.doc);
      });
      const { rowCount } = await run(
        'inserting documents',
        signal,
        `INSERT INTO ${table} (id, doc) SELECT * FROM unnest($1::bigint[], $2::jsonb[])`,
        [documents.map((d) => d.id), documents.map((d) => JSON.stringify(d.doc))],
      );
      return rowCount ?? 0;
    },
    async analyze({ signal } = {}) {
      await run('analyzing', signal, `ANALYZE ${table}`);
    },
    async find(query, { signal } = {}) {
      const { sql, values } = querySql(table, query);
      const { rows } = await run<{ id: string }>('finding documents', signal, sql, values);
      return rows.map((r) => Number(r.id));
    },
    async explain(query, { signal } = {}) {
      const { sql, values } = querySql(table, query);
      const { rows } = await run<{ 'QUERY PLAN': unknown }>(
        'explaining a query',
        signal,
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        values,
      );
      return planSummary(rows[0]!['QUERY PLAN']);
    },
    async sizes() {
      const { rows } = await run<{ table_bytes: string; index_bytes: string | null }>(
        'reading sizes',
        undefined,
        `SELECT pg_table_size($1::regclass) AS table_bytes,
                CASE WHEN $2::text IS NULL THEN 0 ELSE pg_relation_size($2::regclass) END AS index_bytes`,
        [table, indexName ?? null],
      );
      return { tableBytes: Number(rows[0]!.table_bytes), indexBytes: Number(rows[0]!.index_bytes ?? 0) };
    },
  };
}

/**
 * The operators a GIN operator class for jsonb can serve, read from the catalog (pg_amop): what the
 * planner will consider the index for. jsonb_ops: @> ? ?| ?& @? @@; jsonb_path_ops: @> @? @@.
 */
export async function indexableOperators(db: Queryable, opclass: 'jsonb_ops' | 'jsonb_path_ops'): Promise<string[]> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  check.oneOf('opclass', opclass, ['jsonb_ops', 'jsonb_path_ops'] as const);
  const { rows } = await postgresCall(`reading the operators of ${opclass}`, () =>
    db.query<{ op: string }>(
      `SELECT o.oprname AS op
         FROM pg_opclass c
         JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'gin'
         JOIN pg_amop ao ON ao.amopfamily = c.opcfamily AND ao.amopmethod = a.oid
         JOIN pg_operator o ON o.oid = ao.amopopr
        WHERE c.opcname = $1 AND c.opcintype = 'jsonb'::regtype
        ORDER BY ao.amopstrategy`,
      [opclass],
    ),
  );
  return rows.map((r) => r.op);
}

function checkQuery(query: unknown): asserts query is JsonbQuery {
  const q = query as Record<string, unknown> | null;
  const keys = typeof q === 'object' && q !== null ? Object.keys(q) : [];
  check.kind(
    keys.length === 1 && ['contains', 'path', 'hasKey'].includes(keys[0]!),
    'query',
    'must be one of { contains }, { path } or { hasKey }',
    query,
  );
  if ('contains' in q!)
    check.kind(
      typeof q.contains === 'object' && q.contains !== null && !Array.isArray(q.contains),
      'query.contains',
      'must be an object',
      q.contains,
    );
  if ('path' in q!) check.name('query.path', q.path);
  if ('hasKey' in q!) check.name('query.hasKey', q.hasKey);
}
