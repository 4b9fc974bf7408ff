// The transactional outbox: the event is written by the business transaction itself, then relayed by
// the CDC connector (from the WAL, in commit order) or by the poller (SELECT ... FOR UPDATE, produce,
// DELETE), both at least once.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, cdcConnector, isCdcError, outbox, outboxPoller, positionFilter, type Outbox } from '../src/index.ts';
import {
  accountsTable,
  collect,
  logicalPostgres,
  name,
  perKey,
  range,
  runInBackground,
  type Received,
} from './helpers.ts';

const db = logicalPostgres();
let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'cdc_outbox' });
});
afterAll(() => ns?.close());

const ROWS = 4;
const UPDATES = 200;

/** `UPDATES` transactions by 10 writers, each bumping a row and writing its event through the outbox. */
async function outboxStorm(box: Outbox, table: string, topic: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < UPDATES) {
        const id = (next++ % ROWS) + 1;
        await box.write(async (client: pg.PoolClient) => {
          const { rows } = await client.query<{ version: number }>(
            `UPDATE ${table} SET version = version + 1 WHERE id = $1 RETURNING version`,
            [id],
          );
          return { topic, key: String(id), value: { id, version: rows[0]!.version } };
        });
      }
    }),
  );
}

const versions = (got: readonly Received[]): Map<string, number[]> =>
  perKey(got, (r) => (JSON.parse(r.value) as { version: number }).version);

async function expectRowOrder(pool: pg.Pool, table: string, got: readonly Received[]): Promise<void> {
  const { rows } = await pool.query<{ id: number; version: number }>(`SELECT id, version FROM ${table} ORDER BY id`);
  const seen = versions(got);
  for (const row of rows) expect(seen.get(String(row.id))).toEqual(range(row.version));
}

async function newOutbox(pool: pg.Pool): Promise<Outbox> {
  const box = outbox(pool, { table: `public.${name('outbox')}` });
  await box.create();
  return box;
}

describe('the transactional outbox', () => {
  it('relayed by the connector: each event sent once its transaction commits, in commit order per key; a rolled-back transaction sends nothing', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, ROWS);
    const topic = ns.topic('via-cdc');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const box = await newOutbox(pool);
    const connector = cdcConnector(ns.kafka(), pool, { name: name('cdc'), outboxTables: [box.table] });
    await connector.setup();
    runInBackground(connector);

    // A transaction that writes the business row and its outbox row, then rolls back: neither happened.
    const declined = await pool.connect();
    try {
      await declined.query('BEGIN');
      await declined.query(`UPDATE ${table} SET version = version + 100 WHERE id = 1`);
      await box.insert(declined, [{ topic, key: '1', value: { id: 1, version: 100 } }]);
      await declined.query('ROLLBACK'); // payment declined
    } finally {
      declined.release();
    }
    const failed = await box
      .write(async (client) => {
        await client.query(`UPDATE ${table} SET version = version + 100 WHERE id = 1`);
        throw new Error('payment declined'); // before returning its event: the update is rolled back too
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe('payment declined');
    await outboxStorm(box, table, topic);

    const got = await collect(ns.kafka(), [topic], ns.groupId('via-cdc'));
    await eventually(() => got.length >= UPDATES, { timeoutMs: 30_000, what: `${UPDATES} events` });
    await expectRowOrder(pool, table, got); // no version 100: the declined payments left no row change and no event
    expect(got.every((r) => r.headers[HEADERS.outboxId] !== undefined && r.headers[HEADERS.table] === box.table)).toBe(
      true,
    );
  });

  it('relayed by the poller: sent in id order, which is commit order per key when the row lock comes first, and deleted once Kafka acknowledged', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, ROWS);
    const topic = ns.topic('via-poller');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const box = await newOutbox(pool);
    const poller = outboxPoller(ns.kafka(), pool, { table: box.table, intervalMs: 20, batchSize: 50 });
    const controller = new AbortController();
    const running = poller.run(controller.signal);
    try {
      await outboxStorm(box, table, topic);
      const got = await collect(ns.kafka(), [topic], ns.groupId('via-poller'));
      await eventually(() => got.length >= UPDATES, { timeoutMs: 30_000, what: `${UPDATES} events` });
      await expectRowOrder(pool, table, got);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${box.table}`);
      expect(rows[0].n).toBe(0);
    } finally {
      controller.abort();
      await running;
    }
  });

  it('relayed by the poller: a poller that dies after Kafka acknowledged, before its DELETE commits, leaves the rows to be sent again (duplicates counted, dropped by position)', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, ROWS);
    const topic = ns.topic('poller-crash');
    await ns.createTopics([{ topic }]);
    const box = await newOutbox(pool);
    await outboxStorm(box, table, topic);

    const dying = outboxPoller(ns.kafka(), pool, {
      table: box.table,
      batchSize: 30,
      onProduced: () => {
        throw new Error('the process died here'); // the transaction holding the rows rolls back, as on a crash
      },
    });
    const err = await dying.pollOnce().catch((e: unknown) => e);
    expect(isCdcError(err, 'service')).toBe(true);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${box.table}`)).rows[0].n).toBe(UPDATES);

    const poller = outboxPoller(ns.kafka(), pool, { table: box.table, batchSize: 30 });
    while ((await poller.pollOnce()) > 0);
    const got = await collect(ns.kafka(), [topic], ns.groupId('poller-crash'));
    await eventually(() => got.length === UPDATES + 30, { timeoutMs: 30_000, what: `${UPDATES} + 30 events` });
    const filter = positionFilter();
    const kept = got.filter((r) => filter.accept(r.key, r.headers[HEADERS.position]!));
    expect(filter.dropped).toBe(30); // the first poll's 30 events, sent twice
    await expectRowOrder(pool, table, kept);
  });

  it("without a row lock before the insert, a key's events go out in commit order through the connector, in id (insert) order through the poller", async () => {
    const { pool } = db;
    const [cdcTopic, pollTopic] = [ns.topic('order-cdc'), ns.topic('order-poll')];
    await ns.createTopics([{ topic: cdcTopic }, { topic: pollTopic }]);
    const [cdcBox, pollBox] = [await newOutbox(pool), await newOutbox(pool)];
    const connector = cdcConnector(ns.kafka(), pool, { name: name('cdc'), outboxTables: [cdcBox.table] });
    await connector.setup();
    runInBackground(connector);

    // T1 inserts first and commits last; T2 inserts second and commits first. Same key, nothing locked
    // in between (e.g. events keyed by customer, written by transactions that lock different orders).
    const t1 = await pool.connect();
    const t2 = await pool.connect();
    try {
      await t1.query('BEGIN');
      await t2.query('BEGIN');
      for (const [box, topic] of [
        [cdcBox, cdcTopic],
        [pollBox, pollTopic],
      ] as const) {
        await box.insert(t1, [{ topic, key: 'k', value: { by: 'T1' } }]);
        await box.insert(t2, [{ topic, key: 'k', value: { by: 'T2' } }]);
      }
      await t2.query('COMMIT');
      await t1.query('COMMIT');
    } finally {
      t1.release();
      t2.release();
    }
    expect(await outboxPoller(ns.kafka(), pool, { table: pollBox.table }).pollOnce()).toBe(2);

    const got = await collect(ns.kafka(), [cdcTopic, pollTopic], ns.groupId('order'));
    await eventually(() => got.length === 4, { timeoutMs: 30_000, what: '4 events' });
    const by = (topic: string): string[] =>
      got.filter((r) => r.topic === topic).map((r) => (JSON.parse(r.value) as { by: string }).by);
    expect(by(cdcTopic)).toEqual(['T2', 'T1']); // commit order
    expect(by(pollTopic)).toEqual(['T1', 'T2']); // id order
  });
});
