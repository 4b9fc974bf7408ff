// What people write first: fetch the customer's whole orders (SELECT *) and add them up in the
// application. The answer is the same, but the query needs every column, so no index can cover it:
// even with the covering index in place the plan is an Index Scan that visits a heap page per order
// (and ships every row to the client). Not exported from the main entry: import it from
// 'poc-postgres-covering-index/naive'.
import type pg from 'pg';
import type { CustomerOrders, Totals } from './covering-index.ts';
import { check, checkPool, checkSignal, postgresCall } from './errors.ts';

export interface NaiveCustomerTotals {
  readonly sql: string;
  /** Every order of the customer, summed in JavaScript. */
  totals(customerId: number, signal?: AbortSignal): Promise<Totals>;
}

export function naiveCustomerTotals(pool: pg.Pool, orders: CustomerOrders): NaiveCustomerTotals {
  checkPool(pool);
  check.kind(typeof orders?.table === 'string', 'orders', 'must be a CustomerOrders from customerOrders()', orders);
  const sql = `SELECT * FROM ${orders.table} WHERE customer_id = $1`;
  return {
    sql,
    async totals(customerId, signal) {
      check.positiveInt('customerId', customerId);
      checkSignal('signal', signal);
      const { rows } = await postgresCall(`reading the orders of customer ${customerId} from "${orders.table}"`, () =>
        pool.query<{ amount_cents: number }>(sql, [customerId]),
      );
      return { orders: rows.length, amountCents: rows.reduce((sum, r) => sum + r.amount_cents, 0) };
    },
  };
}
