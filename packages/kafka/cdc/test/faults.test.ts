// When a server dies: a Kafka broker of this file's own (SIGKILLed and started again) and this file's
// private PostgreSQL (SIGKILLed and started again). The connector surfaces the failure as a
// CdcServiceError, has confirmed nothing Kafka did not acknowledge, and its next run() delivers every
// committed change. Durability relied on: PostgreSQL's defaults on the private server (fsync on,
// synchronous_commit on: a commit the application saw is in the WAL, and the slot keeps the WAL from
// its restart LSN); producer acks -1 on a one-broker Kafka whose log survives the JVM's death in the
// page cache (a broker SIGKILL is not a machine crash).
import { eventually, kafkaClient, privateKafka, type PrivateServer } from '@poc/harness';
import { logLevel, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HEADERS,
  cdcConnector,
  isCdcError,
  outbox,
  outboxPoller,
  positionFilter,
  type ProducedBatch,
} from '../src/index.ts';
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
} from './helpers.ts';

const db = logicalPostgres();
let broker: PrivateServer;
let kafka: Kafka;
beforeAll(async () => {
  broker = await privateKafka();
  kafka = kafkaClient(broker.url, { logLevel: logLevel.NOTHING });
});
afterAll(() => broker?.close());

async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // KafkaJS's own waitForLeaders can fail with a retriable error: poll the metadata instead (as the harness does).
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
    await eventually(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        return (
          meta.topics[0]!.partitions.length === partitions && meta.topics[0]!.partitions.every((p) => p.leader >= 0)
        );
      },
      { timeoutMs: 30_000, what: `leaders for ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

describe('when a server dies (private servers)', () => {
  it('Kafka SIGKILLed: run() and the poller fail with CdcServiceError, the slot stays at the last acknowledged commit, and after the restart every commit is delivered', async () => {
    const { pool } = db;
    const table = await accountsTable(pool, 2);
    const [topic, eventsTopic] = [name('rows'), name('events')];
    await createTopic(topic, 2);
    await createTopic(eventsTopic);
    const produced: ProducedBatch[] = [];
    const options = {
      name: name('cdc'),
      tables: { [table]: topic },
      onProduced: (b: ProducedBatch) => void produced.push(b),
    };
    const connector = cdcConnector(kafka, pool, options);
    await connector.setup();
    const box = outbox(pool, { table: `public.${name('outbox')}` });
    await box.create();
    const poller = outboxPoller(kafka, pool, { table: box.table });

    const first = runInBackground(connector);
    for (let i = 0; i < 4; i++) await bump(pool, table, (i % 2) + 1);
    await eventually(() => produced.reduce((n, b) => n + b.messages, 0) === 4, { what: '4 changes acknowledged' });
    const acknowledged = produced.at(-1)!.lsn;
    await eventually(async () => (await connector.progress()).confirmedFlushLsn === acknowledged, {
      what: `slot confirmed to ${acknowledged}`,
    });

    await broker.kill();
    for (let i = 0; i < 6; i++) await bump(pool, table, (i % 2) + 1); // committed while Kafka is down
    const err = await first.done;
    expect(isCdcError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^producing \d+ change\(s\) up to LSN [0-9A-F]+\/[0-9A-F]+ failed: /);
    expect((await connector.progress()).confirmedFlushLsn).toBe(acknowledged); // nothing confirmed past Kafka's ack

    await box.write(async () => ({ topic: eventsTopic, key: 'e', value: { n: 1 } }));
    const pollErr = await poller.pollOnce().catch((e: unknown) => e);
    expect(isCdcError(pollErr, 'service')).toBe(true);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${box.table}`)).rows[0].n).toBe(1); // kept for later

    await broker.start();
    runInBackground(connector);
    expect(await poller.pollOnce()).toBe(1);
    const got = await collect(kafka, [topic, eventsTopic], name('g'));
    await eventually(() => got.length === 11, { timeoutMs: 30_000, what: '10 changes and 1 event' });
    const versions = perKey(
      got.filter((r) => r.topic === topic),
      (r) => changes([r])[0]!.after!.version as number,
    );
    expect([versions.get('{"id":1}'), versions.get('{"id":2}')]).toEqual([range(5), range(5)]);
  });

  it('PostgreSQL SIGKILLed: run() fails with CdcServiceError, and after the restart every commit the application saw reaches Kafka (copies dropped by position)', async () => {
    const { pool, server } = db;
    const table = await accountsTable(pool, 3);
    const topic = name('pgkill');
    await createTopic(topic, 3);
    const connector = cdcConnector(kafka, pool, { name: name('cdc'), tables: { [table]: topic }, maxBatch: 5 });
    await connector.setup();
    const first = runInBackground(connector);
    for (let i = 0; i < 30; i++) await bump(pool, table, (i % 3) + 1); // each one acknowledged by COMMIT
    await server.kill(); // whatever the connector had not yet relayed or confirmed
    const err = await first.done;
    expect(isCdcError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^streaming from slot "[a-z0-9_]+" failed: /);

    await server.start();
    runInBackground(connector);
    const got = await collect(kafka, [topic], name('g'));
    await eventually(() => new Set(got.map((r) => r.headers[HEADERS.position])).size === 30, {
      timeoutMs: 30_000,
      what: '30 distinct changes',
    });
    const filter = positionFilter();
    const kept = got.filter((r) => filter.accept(r.key, r.headers[HEADERS.position]!));
    expect(kept.length).toBe(30);
    expect(filter.dropped).toBe(got.length - 30); // copies of what was sent but not confirmed before the kill
    const versions = perKey(kept, (r) => changes([r])[0]!.after!.version as number);
    for (const id of [1, 2, 3]) expect(versions.get(JSON.stringify({ id }))).toEqual(range(10));
  });
});
