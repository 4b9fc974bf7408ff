// The connector against real servers: row changes in Kafka keyed by primary key, the slot confirmed only
// up to what Kafka acknowledged, per-row commit order under an update storm, and a restart that starts
// exactly after the last confirmed commit.
import { eventually, kafkaNamespace, postgresDatabase, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdcSetupError, HEADERS, cdcConnector, isCdcError, type ProducedBatch } from '../src/index.ts';
import {
  accountsTable,
  bump,
  changes,
  collect,
  logicalPostgres,
  name,
  perKey,
  range,
  runInBackground,
  updateStorm,
} from './helpers.ts';

const db = logicalPostgres();
let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'cdc_conn' });
});
afterAll(() => ns?.close());

describe('the CDC connector', () => {
  it('sends each committed insert, update and delete keyed by primary key, nothing rolled back, and confirms the slot to the last commit Kafka acknowledged', async () => {
    const { pool } = db;
    const table = `public.${name('items')}`;
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL)`);
    const topic = ns.topic('items');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const connector = cdcConnector(ns.kafka(), pool, { name: name('cdc'), tables: { [table]: topic } });
    await connector.setup();
    const produced: ProducedBatch[] = [];
    const running = runInBackground(
      cdcConnector(ns.kafka(), pool, {
        name: connector.name,
        tables: { [table]: topic },
        onProduced: (b) => void produced.push(b),
      }),
    );

    await pool.query(`BEGIN; INSERT INTO ${table} VALUES (1, 'pen', 5), (2, 'ink', 1); COMMIT`);
    await pool.query(`UPDATE ${table} SET qty = 4 WHERE id = 1`);
    await pool.query(`BEGIN; INSERT INTO ${table} VALUES (3, 'never', 0); ROLLBACK`);
    await pool.query(`DELETE FROM ${table} WHERE id = 2`);

    const got = await collect(ns.kafka(), [topic], ns.groupId('items'));
    await eventually(() => got.length >= 4, { timeoutMs: 30_000, what: '4 changes in Kafka' });
    const byPosition = [...changes(got)].sort((a, b) => (a.position < b.position ? -1 : 1));
    expect(byPosition.map((c) => [c.op, c.key, c.before, c.after])).toEqual([
      ['insert', { id: 1 }, null, { id: 1, label: 'pen', qty: 5 }],
      ['insert', { id: 2 }, null, { id: 2, label: 'ink', qty: 1 }],
      ['update', { id: 1 }, null, { id: 1, label: 'pen', qty: 4 }],
      ['delete', { id: 2 }, { id: 2 }, null], // REPLICA IDENTITY DEFAULT: a delete carries the key only
    ]);
    // Keyed by primary key: one key, one partition; the position header is the value's position.
    expect(got.map((r) => r.key).sort()).toEqual(['{"id":1}', '{"id":1}', '{"id":2}', '{"id":2}']);
    for (const [, partitions] of perKey(got, (r) => r.partition)) expect(new Set(partitions).size).toBe(1);
    expect(got.every((r) => r.headers[HEADERS.position] === changes([r])[0]!.position)).toBe(true);
    // The two inserts were one transaction: one commit LSN, indexes 0 and 1.
    expect(byPosition[0]!.lsn).toBe(byPosition[1]!.lsn);
    expect([byPosition[0]!.index, byPosition[1]!.index]).toEqual([0, 1]);
    expect(byPosition[2]!.lsn).not.toBe(byPosition[0]!.lsn);

    // The slot is confirmed to the end of the last commit Kafka acknowledged: no further, no less.
    const last = byPosition.at(-1)!.lsn;
    const progress = await eventually(
      async () => {
        const p = await connector.progress();
        return p.confirmedFlushLsn === last ? p : false;
      },
      { timeoutMs: 10_000, what: `slot confirmed to ${last}` },
    );
    expect(progress.active).toBe(true);
    expect(produced.at(-1)!.lsn).toBe(last);
    await running.stop();
    expect(await running.done).toBeUndefined();
    // The walsender leaves (and pg_replication_slots shows the slot free) just after the client has gone.
    await eventually(async () => !(await connector.progress()).active, {
      timeoutMs: 10_000,
      what: 'the slot released after stop()',
    });
  });

  it("keeps each row's changes in commit order in Kafka under an update storm: 20 writers, 400 updates of 4 rows, 3 partitions", async () => {
    const { pool } = db;
    const ROWS = 4;
    const UPDATES = 400;
    const table = await accountsTable(pool, ROWS);
    const topic = ns.topic('storm');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const connector = cdcConnector(ns.kafka(), pool, { name: name('cdc'), tables: { [table]: topic }, maxBatch: 50 });
    await connector.setup();
    runInBackground(connector);
    const got = await collect(ns.kafka(), [topic], ns.groupId('storm'));

    await updateStorm(pool, table, ROWS, UPDATES, 20);

    await eventually(() => got.length >= UPDATES, { timeoutMs: 30_000, what: `${UPDATES} changes in Kafka` });
    const { rows } = await pool.query<{ id: number; version: number }>(`SELECT id, version FROM ${table} ORDER BY id`);
    // `version` is incremented under the row lock, so for each row it numbers the commits in order.
    // Kafka must hold each row's versions as 1, 2, 3 ... : commit order, nothing lost, nothing twice.
    const versions = perKey(got, (r) => changes([r])[0]!.after!.version as number);
    expect(versions.size).toBe(ROWS);
    for (const row of rows) expect(versions.get(JSON.stringify({ id: row.id }))).toEqual(range(row.version));
    expect(rows.reduce((n, r) => n + r.version, 0)).toBe(UPDATES);
    expect(new Set(got.map((r) => r.partition)).size).toBeGreaterThan(1); // the rows really are spread out
  });

  it('starts again right after the last confirmed commit, even when the next commit record begins where that one ended', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, 2);
    const topic = ns.topic('resume');
    await ns.createTopics([{ topic, numPartitions: 1 }]);
    const slot = name('cdc');
    await cdcConnector(ns.kafka(), pool, { name: slot, tables: { [table]: topic } }).setup();
    const got = await collect(ns.kafka(), [topic], ns.groupId('resume'));

    // B writes first and commits right after A: its commit record starts where A's ends.
    let bCommitsAt: string;
    const b = await pool.connect();
    try {
      await b.query('BEGIN');
      await bump(b, table, 2);
      await bump(pool, table, 1); // A
      bCommitsAt = (await b.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
      await b.query('COMMIT');
    } finally {
      await b.query('ROLLBACK').catch(() => undefined); // a no-op after COMMIT; ends B if the test failed first
      b.release();
    }

    // A connector that produces one transaction per batch and dies after Kafka acknowledged B,
    // before confirming it: the slot is confirmed to A's end, and B is in Kafka once.
    let batches = 0;
    const first = cdcConnector(ns.kafka(), pool, {
      name: slot,
      tables: { [table]: topic },
      maxBatch: 1,
      onProduced: () => {
        if (++batches === 2) throw new Error('died after producing B');
      },
    });
    const err = await first.run().catch((e: unknown) => e);
    expect((err as Error).message).toBe('producing failed: Error: died after producing B');
    await eventually(() => got.length === 2, { timeoutMs: 30_000, what: 'A and B in Kafka' });
    const [a, bChange] = changes(got);
    expect(bCommitsAt).toBe(a!.lsn); // the layout this test is about: nothing was written between the two commits
    expect((await first.progress()).confirmedFlushLsn).toBe(a!.lsn);

    // The next run starts right after A: B is sent again (at least once), not skipped.
    runInBackground(cdcConnector(ns.kafka(), pool, { name: slot, tables: { [table]: topic } }));
    await eventually(() => got.length === 3, { timeoutMs: 30_000, what: 'B again after the restart' });
    expect(changes(got).map((c) => c.position)).toEqual([a!.position, bChange!.position, bChange!.position]);
  });

  it('lets one connector at a time stream from a slot: a second run() waits, then gives up with CdcSetupError', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, 1);
    const topic = ns.topic('one-per-slot');
    await ns.createTopics([{ topic }]);
    const options = { name: name('cdc'), tables: { [table]: topic } };
    const connector = cdcConnector(ns.kafka(), pool, options);
    await connector.setup();
    runInBackground(connector);
    await eventually(async () => (await connector.progress()).active, { what: 'the first connector attached' });

    const err = await cdcConnector(ns.kafka(), pool, { ...options, slotWaitMs: 300 })
      .run()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CdcSetupError);
    expect((err as Error).message).toBe(
      `replication slot "${options.name}" is still in use by another process after 300 ms: one connector per slot`,
    );
  });

  it('refuses what logical replication cannot serve: wal_level below logical, a missing table, a table without a primary key', async () => {
    const shared = await postgresDatabase({ name: 'cdc_replica' }); // the shared server runs wal_level = replica
    try {
      const pool = shared.pool();
      await pool.query('CREATE TABLE t (id int PRIMARY KEY)');
      const err = await cdcConnector(ns.kafka(), pool, { name: 'never', tables: { 'public.t': 'x' } })
        .setup()
        .catch((e: unknown) => e);
      expect(isCdcError(err, 'setup')).toBe(true);
      expect((err as Error).message).toBe(
        `PostgreSQL's wal_level is "replica": change data capture needs wal_level = logical (set it and restart the server)`,
      );
    } finally {
      await shared.close();
    }

    const { pool } = db;
    const missing = await cdcConnector(ns.kafka(), pool, { name: 'never', tables: { 'public.nothing_here': 'x' } })
      .setup()
      .catch((e: unknown) => e);
    expect(isCdcError(missing, 'setup')).toBe(true);
    expect((missing as Error).message).toBe('table "public.nothing_here" does not exist');

    const keyless = name('keyless');
    await pool.query(`CREATE TABLE ${keyless} (id int, note text)`);
    const noKey = await cdcConnector(ns.kafka(), pool, { name: 'never', tables: { [`public.${keyless}`]: 'x' } })
      .setup()
      .catch((e: unknown) => e);
    expect(isCdcError(noKey, 'setup')).toBe(true);
    expect((noKey as Error).message).toBe(`table "public.${keyless}" has no primary key: every change is keyed by it`);
    // Nothing was created for a refused setup.
    const { rows } = await pool.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'never'`);
    expect(rows).toEqual([]);
  });
});
