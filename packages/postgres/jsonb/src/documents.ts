// The data: a product catalogue of JSONB documents, generated inside PostgreSQL with generate_series,
// deterministic from a seed (the same seed gives the same documents, byte for byte, in any table).
// Every choice is hashint8extended(i * 64 + field, seed) modulo the list's length, so one document
// never depends on another and a batch can be generated on its own.
//
// One document (the discount key is present in 1 in 100):
//   { "sku": "p-42", "category": "garden", "brand": "brand-17", "price": 1999, "rating": 4,
//     "tags": ["eco", "sale"], "attrs": { "color": "red", "size": "M" },
//     "stock": { "warehouse": "w3", "qty": 12 }, "discount": 15 }
import { check, postgresCall } from './errors.ts';
import type { Queryable } from './store.ts';

export const CATEGORIES = [
  'books',
  'music',
  'garden',
  'kitchen',
  'toys',
  'sports',
  'outdoor',
  'office',
  'beauty',
  'health',
  'automotive',
  'pets',
  'baby',
  'jewelry',
  'shoes',
  'clothing',
  'electronics',
  'computers',
  'games',
  'tools',
] as const;
export const COLORS = [
  'red',
  'blue',
  'green',
  'black',
  'white',
  'grey',
  'yellow',
  'orange',
  'purple',
  'pink',
  'brown',
  'navy',
] as const;
export const SIZES = ['XS', 'S', 'M', 'L', 'XL'] as const;
export const TAGS = [
  'sale',
  'new',
  'eco',
  'gift',
  'bestseller',
  'limited',
  'handmade',
  'imported',
  'vegan',
  'refurbished',
  'bundle',
  'premium',
  'clearance',
  'organic',
  'waterproof',
  'wireless',
  'kids',
  'travel',
  'vintage',
  'smart',
  'compact',
  'recycled',
  'local',
  'seasonal',
] as const;
export const WAREHOUSES = 8;
export const BRANDS = 200;
/** One document in DISCOUNT_ONE_IN carries the optional "discount" key (what `doc ? 'discount'` finds). */
export const DISCOUNT_ONE_IN = 100;
/** Each tag is attached to a document with probability 1 / TAG_ONE_IN (about 2 tags per document). */
export const TAG_ONE_IN = 12;

export interface GenerateOptions {
  /** Documents to add, with ids firstId .. firstId + rows - 1. */
  rows: number;
  /** The same seed gives the same documents. */
  seed: number;
  /** Default 1. */
  firstId?: number;
  /** Documents per INSERT statement (default 50,000). */
  batchSize?: number;
  signal?: AbortSignal;
}

/** A uniform pick in [0, n) for field k of document i. */
const pick = (field: number | string, n: number | string): string =>
  `(((hashint8extended(i * 64 + ${field}, $3) % ${n}) + ${n}) % ${n})`;

/** The generating SELECT: $1..$2 the id range, $3 the seed, $4.. the value lists. */
export const GENERATE_SQL = `
SELECT i AS id, jsonb_strip_nulls(jsonb_build_object(
  'sku', 'p-' || i,
  'category', ($4::text[])[1 + ${pick(1, 'cardinality($4::text[])')}],
  'brand', 'brand-' || ${pick(2, BRANDS)},
  'price', 100 + ${pick(3, 99_900)},
  'rating', 1 + ${pick(4, 5)},
  'tags', (SELECT coalesce(jsonb_agg(t.tag ORDER BY t.n), '[]'::jsonb)
             FROM unnest($6::text[]) WITH ORDINALITY AS t(tag, n)
            WHERE ${pick('(32 + t.n)', TAG_ONE_IN)} = 0),
  'attrs', jsonb_build_object(
     'color', ($5::text[])[1 + ${pick(5, 'cardinality($5::text[])')}],
     'size', ($7::text[])[1 + ${pick(6, 'cardinality($7::text[])')}]),
  'stock', jsonb_build_object('warehouse', 'w' || ${pick(7, WAREHOUSES)}, 'qty', ${pick(8, 500)}),
  'discount', CASE WHEN ${pick(9, DISCOUNT_ONE_IN)} = 0 THEN 5 + ${pick(10, 46)} END
)) AS doc
FROM generate_series($1::bigint, $2::bigint) AS i`;

/**
 * Adds generated documents to `table` (id bigint, doc jsonb), one INSERT ... SELECT generate_series per
 * batch: no row travels from the client. Returns the number of rows added.
 */
export async function generateDocuments(db: Queryable, table: string, options: GenerateOptions): Promise<number> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  checkTable('table', table);
  check.options('options', options);
  const { rows, seed, firstId = 1, batchSize = 50_000, signal } = options;
  check.positiveInt('options.rows', rows);
  check.that(Number.isSafeInteger(seed), 'options.seed', 'must be an integer', seed);
  check.positiveInt('options.firstId', firstId);
  check.positiveInt('options.batchSize', batchSize);
  check.signal('options.signal', signal);
  const last = firstId + rows - 1;
  for (let from = firstId; from <= last; from += batchSize) {
    signal?.throwIfAborted();
    const to = Math.min(last, from + batchSize - 1);
    await postgresCall(`generating documents ${from}..${to} into "${table}"`, () =>
      db.query(`INSERT INTO ${table} (id, doc) ${GENERATE_SQL}`, [from, to, seed, CATEGORIES, COLORS, TAGS, SIZES]),
    );
  }
  return rows;
}

/** Table and index names go into SQL text, so only plain lower-case identifiers are accepted. */
export function checkTable(argument: string, table: unknown): asserts table is string {
  check.that(
    typeof table === 'string' && /^[a-z_][a-z0-9_]{0,47}$/.test(table),
    argument,
    'must be a lower-case SQL identifier (a-z, 0-9, _; at most 48 characters)',
    table,
  );
}
