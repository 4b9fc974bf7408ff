// A connector process SIGKILLed in its at-least-once window (Kafka has acknowledged a batch, the slot has
// not been told), then restarted: it resumes from the LSN stored in the slot. Nothing is lost; the batch
// in the window is sent twice, and a consumer that remembers positions drops the copies.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, spawnTsWorker, type KafkaNamespace, type WorkerProcess } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { HEADERS, cdcConnector, parseLsn, positionFilter } from '../src/index.ts';
import {
  accountsTable,
  changes,
  collect,
  logicalPostgres,
  name,
  perKey,
  range,
  topicSize,
  updateStorm,
} from './helpers.ts';

const WORKER = fileURLToPath(new URL('./workers/connector.ts', import.meta.url));
const db = logicalPostgres();
let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'cdc_crash' });
});
afterAll(() => ns?.close());

describe('a connector process SIGKILLed between Kafka acknowledging a batch and confirming it to the slot', () => {
  it('resumes from the LSN stored in the slot: every change delivered, the unconfirmed batch twice (counted), one copy left after dropping by position', async () => {
    const { pool, server } = db;
    const ROWS = 5;
    const BEFORE = 300; // committed before the connector starts: a backlog in the slot
    const WHILE_DOWN = 50; // committed while no connector runs
    const table = await accountsTable(pool, ROWS);
    const topic = ns.topic('accounts');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const slot = name('cdc');
    const connector = cdcConnector(ns.kafka(), pool, { name: slot, tables: { [table]: topic } });
    await connector.setup();
    await updateStorm(pool, table, ROWS, BEFORE, 20);
    const got = await collect(ns.kafka(), [topic], ns.groupId('accounts'));

    const spawn = (stallAt: number): WorkerProcess => {
      const w = spawnTsWorker(WORKER, [server.url, slot, table, topic, '40', String(stallAt)]);
      onTestFinished(() => w.kill());
      return w;
    };
    const first = spawn(3);
    const [, , atCrash, lsnAtCrash] = (await first.waitForLine('crash-point', 30_000)).split(' ');
    const confirmedBefore = first.lines.find((l) => l.startsWith('produced 2 '))!.split(' ')[3]!;
    // The slot holds the end of batch 2; Kafka has batch 3 too.
    await eventually(async () => (await connector.progress()).confirmedFlushLsn === confirmedBefore, {
      what: `slot confirmed to batch 2's end ${confirmedBefore}`,
    });
    await first.kill(); // SIGKILL: batch 3 is never confirmed
    expect((await connector.progress()).confirmedFlushLsn).toBe(confirmedBefore);
    expect(parseLsn(lsnAtCrash!) > parseLsn(confirmedBefore)).toBe(true);

    await updateStorm(pool, table, ROWS, WHILE_DOWN, 5); // the slot keeps these for the next connector
    const second = spawn(0);
    await second.waitForLine('started', 30_000);
    const total = BEFORE + WHILE_DOWN;
    await eventually(() => new Set(got.map((r) => r.headers[HEADERS.position])).size === total, {
      timeoutMs: 30_000,
      what: `${total} distinct changes in Kafka`,
    });
    // Caught up: the slot is confirmed to the newest change. Then Kafka's own count of messages in the
    // topic is final, and the consumer has read them all.
    const newest = changes(got).reduce((a, c) => (c.position > a.position ? c : a));
    await eventually(async () => (await connector.progress()).confirmedFlushLsn === newest.lsn, {
      what: `slot confirmed to the newest change ${newest.lsn}`,
    });
    const inKafka = await topicSize(ns.kafka(), topic);
    await eventually(() => got.length === inKafka, { what: `all ${inKafka} messages consumed` });

    // Lost: none. Twice: exactly the batch that was in the window when the process died.
    const duplicates = inKafka - total;
    expect(duplicates).toBe(Number(atCrash));
    expect(duplicates).toBeGreaterThan(0);

    // A consumer that remembers each key's last position drops the copies and sees each row's versions once, in order.
    const filter = positionFilter();
    const kept = got.filter((r) => filter.accept(r.key, r.headers[HEADERS.position]!));
    expect(filter.dropped).toBe(duplicates);
    const { rows } = await pool.query<{ id: number; version: number }>(`SELECT id, version FROM ${table} ORDER BY id`);
    const versions = perKey(kept, (r) => changes([r])[0]!.after!.version as number);
    for (const row of rows) expect(versions.get(JSON.stringify({ id: row.id }))).toEqual(range(row.version));
  });
});
