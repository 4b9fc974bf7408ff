// The dataset: customers' orders whose every value is a pure function of (id, seed, customers),
// generated on the server with generate_series in batches, and reproduced here in TypeScript so a test
// knows a customer's totals without asking the server. Orders are appended in time order; a customer's
// orders are spread evenly through the heap (one in every `customers` rows), each on its own page.
import { createHash } from 'node:crypto';

/** Order 0 would have been placed at this instant; one order every 30 s or so after it. */
export const EPOCH = new Date('2026-01-01T00:00:00Z');
/** Seconds between consecutive orders, before a jitter of up to two minutes: 2,880 orders a day. */
export const SECONDS_PER_ORDER = 30;
const JITTER_SECONDS = 120;
export const STATUSES = ['paid', 'shipped', 'delivered', 'refunded'] as const;

export interface Order {
  id: number;
  customerId: number;
  placedAt: Date;
  amountCents: number;
  status: string;
  /** 32 hex characters: the rest of a real order row (address, items ...), which no index should carry. */
  note: string;
}

/** The row with this id, as the generator writes it. */
export function orderRow(id: number, seed: number, customers: number): Order {
  return {
    id,
    customerId: 1 + ((id * 7_919 + seed * 104_729) % customers),
    placedAt: new Date(
      EPOCH.getTime() + (id * SECONDS_PER_ORDER + ((id * 7_877 + seed * 15_485_863) % JITTER_SECONDS)) * 1_000,
    ),
    amountCents: 100 + ((id * 7_901 + seed * 31) % 99_900),
    status: STATUSES[id % STATUSES.length]!,
    note: createHash('md5').update(`${seed}-${id}`).digest('hex'),
  };
}

/** The same function in SQL, over ids $1..$2 for seed $3 and $4 customers. */
export const GENERATE_ORDERS = `
  SELECT i,
         1 + (i * 7919 + $3::bigint * 104729) % $4::bigint,
         timestamptz '2026-01-01 00:00:00+00'
           + (i * ${SECONDS_PER_ORDER} + (i * 7877 + $3::bigint * 15485863) % ${JITTER_SECONDS}) * interval '1 second',
         100 + (i * 7901 + $3::bigint * 31) % 99900,
         (ARRAY[${STATUSES.map((s) => `'${s}'`).join(', ')}])[1 + i % ${STATUSES.length}],
         md5($3::bigint::text || '-' || i)
    FROM generate_series($1::bigint, $2::bigint) AS i`;

/**
 * The table, with autovacuum OFF: autovacuum would otherwise run at any moment after the load and set
 * the visibility map behind the tests' and the bench's back, so "before VACUUM" would not stay so.
 */
export const createOrdersSql = (table: string): string => `
  CREATE TABLE ${table} (
    id           bigint PRIMARY KEY,
    customer_id  integer     NOT NULL,
    placed_at    timestamptz NOT NULL,
    amount_cents integer     NOT NULL,
    status       text        NOT NULL,
    note         text        NOT NULL
  ) WITH (autovacuum_enabled = off)`;

/** Which index the table gets on top of its primary key. */
export const INDEX_SHAPES = ['none', 'composite', 'covering'] as const;
export type IndexShape = (typeof INDEX_SHAPES)[number];

/** The index of each shape: a composite (customer_id, placed_at), and the same with amount_cents in INCLUDE. */
export function indexFor(table: string, shape: IndexShape): { name: string; sql: string } | null {
  if (shape === 'none') return null;
  const name = `${table}_${shape}_idx`;
  const include = shape === 'covering' ? ' INCLUDE (amount_cents)' : '';
  return { name, sql: `CREATE INDEX ${name} ON ${table} (customer_id, placed_at)${include}` };
}
