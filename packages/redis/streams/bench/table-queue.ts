// The baseline: a work queue in a PostgreSQL table, the way many apps start. Producers INSERT a row;
// each consumer, in a transaction, locks up to `batchSize` of the oldest rows with FOR UPDATE SKIP
// LOCKED (so consumers never wait for each other's rows), runs the handler on each, DELETEs them and
// COMMITs. An empty queue means sleeping `pollMs` before asking again: nothing wakes a consumer up.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

export async function createQueueTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(
    `CREATE TABLE ${table} (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
}

export const enqueue = async (pool: pg.Pool, table: string, data: unknown): Promise<void> => {
  await pool.query(`INSERT INTO ${table} (payload) VALUES ($1)`, [JSON.stringify(data)]);
};

export interface TableConsumeOptions<T> {
  table: string;
  batchSize: number;
  pollMs: number;
  handler: (data: T) => Promise<void> | void;
  signal: AbortSignal;
}

/** One consumer on a connection of its own, until `signal` aborts. A handler error rolls the batch back (retried). */
export async function consumeTable<T>(client: pg.Client, o: TableConsumeOptions<T>): Promise<number> {
  let handled = 0;
  while (!o.signal.aborted) {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ id: string; payload: T }>(
        `SELECT id, payload FROM ${o.table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [o.batchSize],
      );
      for (const row of rows) await o.handler(row.payload);
      if (rows.length > 0)
        await client.query(`DELETE FROM ${o.table} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      handled += rows.length;
      if (rows.length === 0) await sleep(o.pollMs, undefined, { signal: o.signal }).catch(() => {});
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    }
  }
  return handled;
}
