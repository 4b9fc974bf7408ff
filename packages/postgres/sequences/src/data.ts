// The data generator: fills a table with `rows` rows server-side in one INSERT ... SELECT over
// generate_series, keys made the way the strategy makes them (deterministic from the seed for the UUIDs,
// the sequence's next values for identity), in key-generation order, with the index in place, so the
// index grows as it would in production (random v4 keys split leaves all over it).
import { check, postgresCall } from './errors.ts';
import type { KeyStrategy } from './keys.ts';
import { IDENTIFIER, type Queryable } from './table.ts';

export async function prefill(db: Queryable, table: string, keys: KeyStrategy, rows: number, seed = 1): Promise<void> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or client', db);
  check.that(
    typeof table === 'string' && IDENTIFIER.test(table),
    'table',
    'must be a lower-case SQL identifier',
    table,
  );
  check.kind(typeof keys?.generatedSql === 'string', 'keys', 'must be a KeyStrategy', keys);
  check.positiveInt('rows', rows);
  check.that(Number.isSafeInteger(seed), 'seed', 'must be an integer', seed);
  const server = keys.generatedSql === 'DEFAULT';
  const id = keys.generatedSql.replaceAll('$seed', String(seed));
  const sql = server
    ? `INSERT INTO "${table}" (payload) SELECT 'row ' || i FROM generate_series(1, $1::bigint) i`
    : `INSERT INTO "${table}" (id, payload) SELECT ${id}, 'row ' || i FROM generate_series(1, $1::bigint) i`;
  await postgresCall(`prefilling ${table} with ${rows} rows`, async () => {
    await db.query(sql, [rows]);
    await db.query(`VACUUM ANALYZE "${table}"`);
  });
}
