// The index types as data: one record per strategy (access method, the column it indexes, its storage
// parameters, the query shapes its plan can serve), and the SQL of each query shape. Everything else
// (the builder, the tests, the bench) reads this table, so a new strategy is one more row.
import { check } from './errors.ts';

export const INDEX_METHODS = ['btree', 'hash', 'brin', 'gin'] as const;
export type IndexMethod = (typeof INDEX_METHODS)[number];

/** equality: `col = $1`; range: `col >= $1 AND col < $2`; containment: `tags @> $1` (an array holds every element). */
export const QUERY_SHAPES = ['equality', 'range', 'containment'] as const;
export type QueryShape = (typeof QUERY_SHAPES)[number];

/**
 * The indexable columns of the events table (src/events.ts). The three timestamps hold the same value
 * (the event's time): each index type gets a column of its own, so a query on `at_hash` can only use
 * the hash index or scan the table, and the planner cannot quietly pick the B-tree instead.
 */
export const EVENT_COLUMNS = ['at_btree', 'at_hash', 'at_brin', 'tags'] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];

export interface IndexStrategy {
  /** Lower-case identifier; the index is named `<table>_<name>`. */
  readonly name: string;
  readonly method: IndexMethod;
  readonly column: EventColumn;
  /** Storage parameters, `WITH (key = value)`: e.g. BRIN's pages_per_range. */
  readonly with?: Readonly<Record<string, number>>;
  /** The query shapes a plan can answer from this index (the tests check each one, and that the others cannot). */
  readonly serves: readonly QueryShape[];
  /** True when the index returns whole block ranges, so the heap rows must be rechecked (BRIN). */
  readonly lossy: boolean;
  readonly summary: string;
}

export const STRATEGIES = {
  btree: {
    name: 'btree',
    method: 'btree',
    column: 'at_btree',
    serves: ['equality', 'range'],
    lossy: false,
    summary: 'every key, sorted, in a tree of pages: equality, ranges and ORDER BY',
  },
  hash: {
    name: 'hash',
    method: 'hash',
    column: 'at_hash',
    serves: ['equality'],
    lossy: false,
    summary: "a 32-bit hash code of every key in buckets: equality only, since hash order is not the keys' order",
  },
  brin: {
    name: 'brin',
    method: 'brin',
    column: 'at_brin',
    with: { pages_per_range: 128 },
    serves: ['equality', 'range'],
    lossy: true,
    summary: 'the min and max of each range of 128 heap pages: tiny, and only as good as the physical order',
  },
  gin: {
    name: 'gin',
    method: 'gin',
    column: 'tags',
    serves: ['containment'],
    lossy: false,
    summary: 'an inverted index: each array element points to the rows that hold it',
  },
} as const satisfies Record<string, IndexStrategy>;

export type StrategyName = keyof typeof STRATEGIES;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A table name this package accepts: a lower-case SQL identifier short enough for `<table>_<strategy>`. */
export function checkTable(argument: string, table: unknown): asserts table is string {
  check.that(
    typeof table === 'string' && IDENTIFIER.test(table) && table.length <= 40,
    argument,
    'must be a lower-case SQL identifier of at most 40 characters',
    table,
  );
}

/** Checks a strategy record (one of STRATEGIES, or your own: a BRIN with other pages_per_range, say). */
export function checkStrategy(argument: string, s: unknown): asserts s is IndexStrategy {
  check.kind(typeof s === 'object' && s !== null, argument, 'must be an IndexStrategy', s);
  const r = s as Partial<IndexStrategy>;
  check.that(
    typeof r.name === 'string' && IDENTIFIER.test(r.name) && r.name.length <= 20,
    `${argument}.name`,
    'must be a lower-case SQL identifier of at most 20 characters',
    r.name,
  );
  check.oneOf(`${argument}.method`, r.method, INDEX_METHODS);
  check.oneOf(`${argument}.column`, r.column, EVENT_COLUMNS);
  check.kind(
    Array.isArray(r.serves) && r.serves.every((q) => (QUERY_SHAPES as readonly unknown[]).includes(q)),
    `${argument}.serves`,
    `must be an array of ${QUERY_SHAPES.map((q) => `"${q}"`).join(', ')}`,
    r.serves,
  );
  for (const [key, value] of Object.entries(r.with ?? {})) {
    check.that(IDENTIFIER.test(key), `${argument}.with`, 'must have lower-case identifiers as keys', key);
    check.positiveInt(`${argument}.with.${key}`, value);
  }
}

export const indexName = (table: string, s: IndexStrategy): string => `${table}_${s.name}`;

/** The DDL; every part comes from a checked identifier or number, never from free text. */
export function createIndexSql(table: string, s: IndexStrategy): string {
  checkTable('table', table);
  checkStrategy('strategy', s);
  const params = Object.entries(s.with ?? {}).map(([k, v]) => `${k} = ${v}`);
  const storage = params.length > 0 ? ` WITH (${params.join(', ')})` : '';
  return `CREATE INDEX ${indexName(table, s)} ON ${table} USING ${s.method} (${s.column})${storage}`;
}

/**
 * The SQL of a query shape on one column. `rows` returns the matching ids (tests compare them);
 * `summary` returns their count and sum, so a bench times the scan rather than the transfer of rows.
 * Parameters: equality [time], range [from, to) , containment [[tag, ...]].
 */
export function shapeSql(
  shape: QueryShape,
  table: string,
  column: EventColumn,
  select: 'rows' | 'summary' = 'rows',
): string {
  check.oneOf('shape', shape, QUERY_SHAPES);
  checkTable('table', table);
  check.oneOf('column', column, EVENT_COLUMNS);
  check.oneOf('select', select, ['rows', 'summary'] as const);
  const what = select === 'rows' ? 'id' : 'count(*)::int AS n, coalesce(sum(id), 0)::bigint AS total';
  const where =
    shape === 'equality'
      ? `${column} = $1`
      : shape === 'range'
        ? `${column} >= $1 AND ${column} < $2`
        : `${column} @> $1::text[]`;
  return `SELECT ${what} FROM ${table} WHERE ${where}`;
}
