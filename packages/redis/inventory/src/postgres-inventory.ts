// The reservation in PostgreSQL, as the bench compares it: one autocommit statement that decrements
// the row only while enough units are left (`UPDATE ... SET available = available - $q WHERE ... AND
// available >= $q`, the issue's `stock = stock - 1 WHERE stock > 0` for any quantity) and records the hold
// in the same statement. Concurrent updates of the row queue on its row lock, and each re-checks the
// WHERE against the row as the previous one left it, so it never oversells. Idempotent per reservation id
// by the primary key: a second reserve with the same id fails on it, the whole statement is rolled back,
// and the first hold is the answer. Holds that end are not given back here (that would be a sweep,
// `DELETE ... RETURNING` then an `UPDATE`, run on a timer). Not exported from the package index.
import { systemClock } from '@poc/kit';
import type pg from 'pg';
import { ReservationConflictError, check, postgresCall } from './errors.ts';
import {
  checkCall,
  checkOptions,
  hasMethods,
  nowArg,
  quantityOf,
  type CallOptions,
  type InventoryOptions,
  type Reserver,
  type StockLevels,
} from './inventory.ts';

export interface PostgresInventory extends Reserver {
  /** Creates the two tables if they are missing. */
  create(): Promise<void>;
  restock(sku: string, units: number, options?: CallOptions): Promise<number>;
  levels(sku: string, options?: CallOptions): Promise<StockLevels>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inventory_stock (
  inventory text NOT NULL,
  sku text NOT NULL,
  available integer NOT NULL DEFAULT 0,
  reserved integer NOT NULL DEFAULT 0,
  sold integer NOT NULL DEFAULT 0,
  PRIMARY KEY (inventory, sku)
);
CREATE TABLE IF NOT EXISTS inventory_holds (
  inventory text NOT NULL,
  sku text NOT NULL,
  reservation_id text NOT NULL,
  quantity integer NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (inventory, sku, reservation_id)
)`;

const RESERVE = `
WITH taken AS (
  UPDATE inventory_stock SET available = available - $4, reserved = reserved + $4
  WHERE inventory = $1 AND sku = $2 AND available >= $4
  RETURNING available
), held AS (
  INSERT INTO inventory_holds (inventory, sku, reservation_id, quantity, expires_at)
  SELECT $1, $2, $3, $4, $5 FROM taken
  RETURNING expires_at
)
SELECT (SELECT available FROM taken) AS "left",
       (SELECT expires_at FROM held) AS "expiresAt",
       (SELECT available FROM inventory_stock WHERE inventory = $1 AND sku = $2) AS "before"`;

const UNIQUE_VIOLATION = '23505';

export function postgresInventory(pool: pg.Pool, options: InventoryOptions): PostgresInventory {
  check.kind(hasMethods(pool, 'query'), 'pool', 'must be a pg.Pool', pool);
  const c = checkOptions(options);
  const clock = c.clock ?? systemClock;

  return {
    async create() {
      await postgresCall('creating the inventory tables', () => pool.query(SCHEMA));
    },

    async restock(sku, units, options) {
      checkCall(sku, undefined, options);
      check.positiveInt('units', units);
      const { rows } = await postgresCall(`restocking "${sku}"`, () =>
        pool.query<{ available: number }>(
          `INSERT INTO inventory_stock (inventory, sku, available) VALUES ($1, $2, $3)
           ON CONFLICT (inventory, sku) DO UPDATE SET available = inventory_stock.available + $3
           RETURNING available`,
          [c.name, sku, units],
        ),
      );
      return rows[0]!.available;
    },

    async reserve(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const quantity = quantityOf(options);
      const expiresAt = (nowArg(clock) as number) + c.reservationTtlMs;
      type Row = { left: number | null; expiresAt: string | null; before: number | null };
      const row = await postgresCall(`reserving ${quantity} of "${sku}" for "${reservationId}"`, async () => {
        try {
          return (await pool.query<Row>(RESERVE, [c.name, sku, reservationId, quantity, expiresAt])).rows[0]!;
        } catch (e) {
          if ((e as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
          throw e;
        }
      });
      if (row) {
        // `before` is read in the statement's snapshot: when nothing was taken it is the count the UPDATE last saw or older.
        if (row.left === null) return { reserved: false, available: Math.max(0, row.before ?? 0) };
        const reservation = { sku, reservationId, quantity, expiresAt: Number(row.expiresAt) };
        return { reserved: true, reservation, available: row.left };
      }
      // The id holds already: the statement was rolled back; the first hold is the answer.
      const { rows } = await postgresCall(`reading reservation "${reservationId}" of "${sku}"`, () =>
        pool.query<{ quantity: number; expires_at: string; available: number }>(
          `SELECT h.quantity, h.expires_at, s.available FROM inventory_holds h
           JOIN inventory_stock s USING (inventory, sku)
           WHERE h.inventory = $1 AND h.sku = $2 AND h.reservation_id = $3`,
          [c.name, sku, reservationId],
        ),
      );
      const held = rows[0]!;
      if (held.quantity !== quantity)
        throw new ReservationConflictError(
          { sku, reservationId },
          'held',
          `already holds ${held.quantity} units, not ${quantity}: a reservation id names one request`,
        );
      const reservation = { sku, reservationId, quantity, expiresAt: Number(held.expires_at) };
      return { reserved: true, reservation, available: held.available };
    },

    async levels(sku, options) {
      checkCall(sku, undefined, options);
      const { rows } = await postgresCall(`reading the levels of "${sku}"`, () =>
        pool.query<StockLevels>(
          'SELECT available, reserved, sold FROM inventory_stock WHERE inventory = $1 AND sku = $2',
          [c.name, sku],
        ),
      );
      return rows[0] ?? { available: 0, reserved: 0, sold: 0 };
    },
  };
}
