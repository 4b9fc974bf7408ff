// A table whose primary key comes from a KeyStrategy: create it, insert batches in one statement each
// (atomic: every row of a batch is in, with its id, or none is), and read back what the key costs the
// index. The same interface serves the naive MAX()+1 table (src/naive.ts), so tests and the bench
// compare like with like.
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import type { KeyStrategy } from './keys.ts';

/** What a table needs to run statements: a pg.Pool, a PoolClient (for a transaction of your own) or a Client. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface IndexStats {
  /** pg_relation_size of the primary key's index. */
  indexBytes: number;
  /** pgstatindex: leaf pages, and how full they are on average (%). */
  leafPages: number;
  avgLeafDensity: number;
  rows: number;
}

export interface KeyedTable {
  readonly table: string;
  readonly keys: string;
  /** CREATE TABLE (id ... PRIMARY KEY, payload text NOT NULL). Fails if it exists. */
  create(): Promise<void>;
  /** Inserts one row per payload in one statement; resolves to their ids, in payload order. */
  insert(payloads: readonly string[], options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Size and leaf fill of the primary key index (needs the pgstattuple extension, created if missing). */
  indexStats(): Promise<IndexStats>;
}

export interface TableOptions {
  /** The table's name: a lower-case SQL identifier. */
  table: string;
}

export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkTable(db: unknown, options: unknown): string {
  const d = db as Record<string, unknown> | null;
  check.kind(
    typeof d === 'object' && d !== null && typeof d.query === 'function',
    'db',
    'must be a pg.Pool or client',
    db,
  );
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table } = options as { table?: unknown };
  check.that(
    typeof table === 'string' && IDENTIFIER.test(table),
    'options.table',
    'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)',
    table,
  );
  return table;
}

export function checkPayloads(payloads: unknown, signal: unknown): asserts payloads is string[] {
  check.that(
    Array.isArray(payloads) && payloads.length > 0 && payloads.every((p) => typeof p === 'string'),
    'payloads',
    'must be a non-empty array of strings',
    payloads,
  );
  check.signal('signal', signal);
  (signal as AbortSignal | undefined)?.throwIfAborted();
}

/** Reads the size and leaf fill of the index on id (the primary key, or a plain index where there is none). */
export async function primaryKeyStats(db: Queryable, table: string): Promise<IndexStats> {
  return postgresCall(`reading the primary key index of ${table}`, async () => {
    await db.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    const { rows } = await db.query<{ idx: string; bytes: string; leaf: string; density: number; n: string }>(
      `SELECT i.indexrelid::regclass::text AS idx, pg_relation_size(i.indexrelid) AS bytes,
              s.leaf_pages AS leaf, s.avg_leaf_density AS density, (SELECT count(*) FROM "${table}") AS n
       FROM pg_index i, pgstatindex(i.indexrelid::regclass) s
       WHERE i.indrelid = $1::regclass AND i.indkey[0] = 1 -- the index on id (column 1)
       ORDER BY i.indisprimary DESC LIMIT 1`,
      [`"${table}"`],
    );
    const r = rows[0];
    if (r === undefined) throw new Error(`${table} has no index on id`);
    return {
      indexBytes: Number(r.bytes),
      leafPages: Number(r.leaf),
      avgLeafDensity: Number(r.density),
      rows: Number(r.n),
    };
  });
}

/** A table keyed by `keys`. Arguments are checked now; nothing runs until create() or insert(). */
export function keyedTable(db: Queryable, keys: KeyStrategy, options: TableOptions): KeyedTable {
  const table = checkTable(db, options);
  check.kind(
    typeof keys === 'object' && keys !== null && typeof keys.column === 'string' && typeof keys.name === 'string',
    'keys',
    'must be a KeyStrategy (identityKeys, uuidV4Keys, uuidV7Keys ...)',
    keys,
  );
  const t = `"${table}"`;
  const generate = keys.generate;
  // Client ids travel as one array parameter; server ids come back from RETURNING, in insertion order,
  // which is the payloads' order (ORDER BY the ordinality).
  const sql = generate
    ? `INSERT INTO ${t} (id, payload) SELECT * FROM unnest($1::uuid[], $2::text[]) RETURNING id::text`
    : `INSERT INTO ${t} (payload) SELECT p FROM unnest($1::text[]) WITH ORDINALITY u(p, o) ORDER BY o RETURNING id::text`;
  return {
    table,
    keys: keys.name,
    async create() {
      await postgresCall(`creating ${table}`, () =>
        db.query(`CREATE TABLE ${t} (id ${keys.column} PRIMARY KEY, payload text NOT NULL)`),
      );
    },
    async insert(payloads, { signal } = {}) {
      checkPayloads(payloads, signal);
      const values = generate ? [generate(payloads.length), payloads] : [payloads];
      const { rows } = await postgresCall(`inserting ${payloads.length} rows into ${table}`, () =>
        db.query<{ id: string }>(sql, values),
      );
      return rows.map((r) => r.id);
    },
    indexStats: () => primaryKeyStats(db, table),
  };
}
