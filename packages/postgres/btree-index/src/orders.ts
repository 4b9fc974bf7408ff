// The dataset: an orders table whose every value is a pure function of (id, seed), generated on the
// server with generate_series in batches (never one INSERT per row), and reproduced here in TypeScript
// so a test knows which row a code belongs to and what a day's total must be without asking the server.
import { createHash } from 'node:crypto';

/** Order 0 would have been placed at this instant; one order every 30 s or so after it. */
export const EPOCH = new Date('2026-01-01T00:00:00Z');
/** Seconds between consecutive orders, before the jitter: 2,880 orders a day, 1M orders in ~347 days. */
export const SECONDS_PER_ORDER = 30;
const JITTER_SECONDS = 120;
const EPOCH_SQL = `timestamptz '2026-01-01 00:00:00+00'`;

export interface Order {
  id: number;
  /** 32 hex characters, unique per row: the non-key column a lookup searches. */
  code: string;
  /**
   * About id x 30 s after EPOCH, give or take two minutes: an orders table is appended roughly in time
   * order, so a day's orders sit in neighbouring heap pages (pg_stats.correlation close to 1).
   */
  placedAt: Date;
  amountCents: number;
}

/** The row with this id, as the generator writes it for this seed. */
export function orderRow(id: number, seed: number): Order {
  return {
    id,
    code: createHash('md5').update(`${seed}-${id}`).digest('hex'),
    placedAt: new Date(
      EPOCH.getTime() + (id * SECONDS_PER_ORDER + ((id * 7_919 + seed * 15_485_863) % JITTER_SECONDS)) * 1_000,
    ),
    amountCents: 100 + ((id * 7_877 + seed * 31) % 99_900),
  };
}

/** The same function in SQL, over ids $1..$2 for seed $3. */
export const GENERATE_ORDERS = `
  SELECT i,
         md5($3::bigint::text || '-' || i),
         ${EPOCH_SQL} + (i * ${SECONDS_PER_ORDER} + (i * 7919 + $3::bigint * 15485863) % ${JITTER_SECONDS}) * interval '1 second',
         100 + (i * 7877 + $3::bigint * 31) % 99900
    FROM generate_series($1::bigint, $2::bigint) AS i`;

/** The table: a primary key and nothing else; the lookups' indexes are added by ordersTable(). */
export const createOrdersSql = (table: string): string => `
  CREATE TABLE ${table} (
    id           bigint PRIMARY KEY,
    code         text        NOT NULL,
    placed_at    timestamptz NOT NULL,
    amount_cents integer     NOT NULL
  )`;

/** The two B-trees this POC is about, named after the table. */
export const lookupIndexes = (table: string): Array<{ name: string; sql: string }> => [
  { name: `${table}_code_idx`, sql: `CREATE INDEX ${table}_code_idx ON ${table} (code)` },
  { name: `${table}_placed_at_idx`, sql: `CREATE INDEX ${table}_placed_at_idx ON ${table} (placed_at)` },
];
