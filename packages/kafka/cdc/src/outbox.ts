// The transactional outbox: the event is a row, inserted by the same transaction as the business
// change, so both commit or neither does. A relay then sends the rows to Kafka: the CDC connector
// (outboxTables: reads the inserts from the WAL, in commit order) or outboxPoller() (src/poller.ts).
import type pg from 'pg';
import { check, postgresCall, requireTable, requireTopic } from './errors.ts';

/** An event for Kafka: where it goes, the key that orders it, and a JSON-serialisable value. */
export interface DomainEvent {
  topic: string;
  key: string;
  value: unknown;
}

/** The work of one transaction: it changes business rows with `client` and returns the event(s) that say so. */
export type TransactionWork = (client: pg.PoolClient) => Promise<DomainEvent | readonly DomainEvent[]>;

export interface Outbox {
  readonly table: string;
  /** Creates the outbox table if it does not exist. */
  create(): Promise<void>;
  /**
   * Runs `work` in a transaction and inserts the events it returns into the outbox in that same
   * transaction: the business change and its events are committed together, or not at all.
   */
  write(work: TransactionWork): Promise<void>;
  /** Inserts events with the caller's client, inside the caller's own transaction. Returns their ids. */
  insert(client: pg.ClientBase, events: readonly DomainEvent[]): Promise<string[]>;
}

const qualified = (table: string): string =>
  table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');

export function checkEvents(events: unknown): readonly DomainEvent[] {
  const list = (Array.isArray(events) ? events : [events]) as DomainEvent[];
  list.forEach((e, i) => {
    check.kind(typeof e === 'object' && e !== null, `events[${i}]`, 'must be an object { topic, key, value }', e);
    requireTopic(`events[${i}].topic`, e.topic);
    check.name(`events[${i}].key`, e.key);
    check.that(e.value !== undefined, `events[${i}].value`, 'must be a JSON value', e.value);
  });
  return list;
}

/** Runs `work` inside BEGIN ... COMMIT on one pooled connection (ROLLBACK if anything throws). */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  beforeCommit?: (client: pg.PoolClient, result: T) => Promise<void>,
): Promise<T> {
  const client = await postgresCall('connecting to PostgreSQL', () => pool.connect());
  try {
    await postgresCall('beginning a transaction', () => client.query('BEGIN'));
    const result = await work(client);
    await beforeCommit?.(client, result);
    await postgresCall('committing', () => client.query('COMMIT'));
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** An outbox in `options.table` ("schema.table"). */
export function outbox(pool: pg.Pool, options: { table: string }): Outbox {
  check.kind(typeof pool?.query === 'function', 'pool', 'must be a pg.Pool', pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  requireTable('options.table', options.table);
  const table = options.table;
  const insert: Outbox['insert'] = async (client, events) => {
    check.kind(typeof client?.query === 'function', 'client', 'must be a pg client', client);
    const list = checkEvents(events);
    if (list.length === 0) return [];
    // One multi-row VALUES: rows are inserted, and so numbered, in the order given.
    const values = list.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3}::jsonb)`).join(', ');
    const params = list.flatMap((e) => [e.topic, e.key, JSON.stringify(e.value)]);
    const { rows } = await postgresCall(`inserting ${list.length} event(s) into outbox "${table}"`, () =>
      client.query<{ id: string }>(
        `INSERT INTO ${qualified(table)} (topic, key, payload) VALUES ${values} RETURNING id`,
        params,
      ),
    );
    return rows.map((r) => r.id);
  };
  return {
    table,
    create: async () => {
      await postgresCall(`creating outbox "${table}"`, () =>
        pool.query(
          `CREATE TABLE IF NOT EXISTS ${qualified(table)} (
             id bigserial PRIMARY KEY,
             topic text NOT NULL,
             key text NOT NULL,
             payload jsonb NOT NULL,
             created_at timestamptz NOT NULL DEFAULT now())`,
        ),
      );
    },
    write: async (work) => {
      check.fn('work', work);
      await inTransaction(pool, work, async (client, events) => {
        await insert(client, checkEvents(events));
      });
    },
    insert,
  };
}
