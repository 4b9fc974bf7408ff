// What people write when the column HAS a B-tree but the query hides the column inside an expression:
// `lower(code) = lower($1)` and `(placed_at AT TIME ZONE 'UTC')::date = $1`. Both return the right
// rows, and both read the whole table, because a B-tree on `code` is ordered by code, not by lower(code).
// The fix is to compare the bare column (a half-open range for a day), or to index the expression.
// Not exported from the main entry: import it from 'poc-postgres-btree-index/naive'.
import { check, checkSignal, postgresCall } from './errors.ts';
import { checkPool, type DayTotals, type OrdersTable } from './btree-index.ts';
import type { Order } from './orders.ts';
import type pg from 'pg';

export interface NaiveOrderQueries {
  readonly sql: { readonly findByCodeAnyCase: string; readonly totalsOnDay: string };
  /** Case-insensitive lookup written as lower(code) = lower($1): same answer as findByCode, no index. */
  findByCodeAnyCase(code: string, signal?: AbortSignal): Promise<Order | null>;
  /** A UTC day's totals written as a cast of the column: same answer as totalsBetween(day, day + 1), no index. */
  totalsOnDay(day: string, signal?: AbortSignal): Promise<DayTotals>;
}

export function naiveOrderQueries(pool: pg.Pool, orders: OrdersTable): NaiveOrderQueries {
  checkPool(pool);
  check.kind(typeof orders?.table === 'string', 'orders', 'must be an OrdersTable from ordersTable()', orders);
  const { table } = orders;
  const sql = {
    findByCodeAnyCase: `SELECT id, code, placed_at, amount_cents FROM ${table} WHERE lower(code) = lower($1)`,
    totalsOnDay: `SELECT count(*)::int AS orders, coalesce(sum(amount_cents), 0)::bigint AS amount
                    FROM ${table} WHERE (placed_at AT TIME ZONE 'UTC')::date = $1::date`,
  };
  return {
    sql,
    async findByCodeAnyCase(code, signal) {
      check.name('code', code);
      checkSignal(signal);
      const { rows } = await postgresCall(`looking up code "${code}" in "${table}" (any case)`, () =>
        pool.query<{ id: string; code: string; placed_at: Date; amount_cents: number }>(sql.findByCodeAnyCase, [code]),
      );
      const r = rows[0];
      return r ? { id: Number(r.id), code: r.code, placedAt: r.placed_at, amountCents: r.amount_cents } : null;
    },
    async totalsOnDay(day, signal) {
      check.that(
        typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)),
        'day',
        'must be a date as YYYY-MM-DD',
        day,
      );
      checkSignal(signal);
      const { rows } = await postgresCall(`summing orders of "${table}" on ${day}`, () =>
        pool.query<{ orders: number; amount: string }>(sql.totalsOnDay, [day]),
      );
      return { orders: rows[0]!.orders, amountCents: Number(rows[0]!.amount) };
    },
  };
}
