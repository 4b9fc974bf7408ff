// Break it: the naive dual write (commit to PostgreSQL, then produce to Kafka from the application)
// against the same work relayed from the WAL. Two ways it fails, each forced, not hoped for: a request
// that pauses between its commit and its produce lets a later change of the same row reach Kafka first,
// and a process killed in that gap has committed a change nobody will ever hear about.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, spawnTsWorker, type KafkaNamespace } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cdcConnector, outbox, type DomainEvent, type TransactionWork } from '../src/index.ts';
import { dualWrite } from '../src/naive.ts';
import {
  accountsTable,
  changes,
  collect,
  logicalPostgres,
  name,
  range,
  runInBackground,
  topicSize,
} from './helpers.ts';

const APP = fileURLToPath(new URL('./workers/app.ts', import.meta.url));
const db = logicalPostgres();
let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'cdc_dual' });
});
afterAll(() => ns?.close());

/** The business change: bump row 1's version, and say so in an event on `topic`. */
const bumpRow1 =
  (table: string, topic: string): TransactionWork =>
  async (client: pg.PoolClient): Promise<DomainEvent> => {
    const { rows } = await client.query<{ version: number }>(
      `UPDATE ${table} SET version = version + 1 WHERE id = 1 RETURNING version`,
    );
    return { topic, key: '1', value: { id: 1, version: rows[0]!.version } };
  };

const versionOf = (value: string): number => (JSON.parse(value) as { version: number }).version;

describe('dual write vs relaying from the WAL', () => {
  it('dual write: a request paused between commit and produce puts version 2 before version 1 in Kafka; the connector and the outbox keep commit order', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, 1);
    const [dualTopic, rowsTopic, outboxTopic] = [ns.topic('dual'), ns.topic('rows'), ns.topic('outbox')];
    await ns.createTopics([{ topic: dualTopic }, { topic: rowsTopic }, { topic: outboxTopic }]);
    const box = outbox(pool, { table: `public.${name('outbox')}` });
    await box.create();
    const connector = cdcConnector(ns.kafka(), pool, {
      name: name('cdc'),
      tables: { [table]: rowsTopic },
      outboxTables: [box.table],
    });
    await connector.setup();
    runInBackground(connector);

    // Request A commits version 1, then stalls in its after-commit step until request B has committed
    // version 2 and produced it (a GC pause, a slow callback, a retry: any delay in that gap will do).
    let bDone!: () => void;
    const bProduced = new Promise<void>((resolve) => (bDone = resolve));
    let first = true;
    const writer = dualWrite(ns.kafka(), pool, {
      afterCommit: async () => {
        if (!first) return;
        first = false;
        await bProduced;
      },
    });
    onTestFinished(() => writer.close());
    const a = writer.write(bumpRow1(table, dualTopic));
    await eventually(async () => (await pool.query(`SELECT version FROM ${table}`)).rows[0].version === 1, {
      what: "A's commit",
    });
    await writer.write(bumpRow1(table, dualTopic)); // B: commits version 2, produces it
    bDone();
    await a;

    // The same two changes through the outbox (one transaction each, A's commit first).
    await box.write(async (client) => ({ ...(await bumpRow1(table, outboxTopic)(client)) }));
    await box.write(async (client) => ({ ...(await bumpRow1(table, outboxTopic)(client)) }));

    const got = await collect(ns.kafka(), [dualTopic, rowsTopic, outboxTopic], ns.groupId('order'));
    await eventually(() => got.length === 2 + 4 + 2, { timeoutMs: 30_000, what: '8 messages' });
    const on = (topic: string) => got.filter((r) => r.topic === topic);
    expect(on(dualTopic).map((r) => versionOf(r.value))).toEqual([2, 1]); // Kafka says the row is at version 1
    expect(changes(on(rowsTopic)).map((c) => c.after!.version)).toEqual([1, 2, 3, 4]); // commit order
    expect(on(outboxTopic).map((r) => versionOf(r.value))).toEqual([3, 4]); // commit order
  });

  it('dual write: an app SIGKILLed between commit and produce leaves a committed change that never reaches Kafka; the connector relays it', async () => {
    const { pool, server } = db;
    const UPDATES = 10;
    const CRASH_AT = 7;
    const table = await accountsTable(pool, 1);
    const [dualTopic, rowsTopic] = [ns.topic('dual-crash'), ns.topic('rows-crash')];
    await ns.createTopics([{ topic: dualTopic }, { topic: rowsTopic }]);
    const connector = cdcConnector(ns.kafka(), pool, { name: name('cdc'), tables: { [table]: rowsTopic } });
    await connector.setup();
    runInBackground(connector);

    const app = spawnTsWorker(APP, [server.url, table, dualTopic, String(UPDATES), String(CRASH_AT)]);
    onTestFinished(() => app.kill());
    await app.waitForLine(`crash-point ${CRASH_AT}`, 30_000);
    await app.kill(); // SIGKILL between the commit of version 7 and its produce

    const { rows } = await pool.query<{ version: number }>(`SELECT version FROM ${table}`);
    expect(rows[0]!.version).toBe(CRASH_AT); // PostgreSQL has 7 committed changes
    const got = await collect(ns.kafka(), [dualTopic, rowsTopic], ns.groupId('crash'));
    await eventually(() => got.filter((r) => r.topic === rowsTopic).length === CRASH_AT, {
      timeoutMs: 30_000,
      what: `${CRASH_AT} row changes relayed by the connector`,
    });
    const inDualTopic = await topicSize(ns.kafka(), dualTopic); // the app is dead: this count is final
    await eventually(() => got.filter((r) => r.topic === dualTopic).length === inDualTopic, {
      what: `the ${inDualTopic} dual-write messages consumed`,
    });
    const sent = got.filter((r) => r.topic === dualTopic).map((r) => versionOf(r.value));
    const relayed = changes(got.filter((r) => r.topic === rowsTopic)).map((c) => c.after!.version);
    expect(relayed).toEqual(range(CRASH_AT)); // the connector: all 7, in order
    expect(sent).toEqual(range(CRASH_AT - 1)); // the dual write: 6; version 7 is lost for good
    const lost = range(CRASH_AT).filter((v) => !sent.includes(v));
    expect(lost).toEqual([CRASH_AT]);
  });
});
