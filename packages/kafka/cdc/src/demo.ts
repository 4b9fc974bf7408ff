// pnpm --filter poc-kafka-cdc demo: change data capture from PostgreSQL into Kafka through a logical
// replication slot, an update storm kept in per-row order, a connector process SIGKILLed and resumed
// from its slot, the transactional outbox, and the dual write failing twice. Prints what the README's
// "Expected output" shows.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, privatePostgres, serverFor, spawnTsWorker, uniqueName } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Consumer, type Kafka } from 'kafkajs';
import pg from 'pg';
import { HEADERS, cdcConnector, outbox, outboxPoller, parseRowChange, positionFilter } from './index.ts';
import { dualWrite } from './naive.ts';

const say = (line = ''): void => console.log(line);
const worker = (file: string): string => fileURLToPath(new URL(`../test/workers/${file}`, import.meta.url));

interface Got {
  topic: string;
  partition: number;
  key: string;
  value: string;
  position: string;
}

runMain(async () => {
  const kafkaServer = await serverFor('kafka');
  const pgServer = await privatePostgres({ config: [['wal_level', 'logical']] }); // the shared one runs wal_level = replica
  const ns = await kafkaNamespace({ name: 'demo' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const pool = new pg.Pool({ connectionString: pgServer.url, max: 25 });
  pool.on('error', () => {}); // idle connections closed by the server's shutdown at the end
  const closers: Array<() => Promise<unknown>> = [];
  const stopAll = new AbortController();
  const got: Got[] = [];
  const consume = async (k: Kafka, topics: string[]): Promise<Consumer> => {
    const consumer = k.consumer({ groupId: ns.groupId(uniqueName('g')), maxWaitTimeInMs: 100 });
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) =>
        void got.push({
          topic,
          partition,
          key: String(message.key),
          value: String(message.value),
          position: String(message.headers?.[HEADERS.position] ?? ''),
        }),
    });
    return consumer;
  };
  const on = (topic: string): Got[] => got.filter((g) => g.topic === topic);
  const admin = kafka.admin();
  await admin.connect();
  closers.push(() => admin.disconnect());
  /** Waits until the consumer has read every message the broker holds for `topic`. */
  const drained = (topic: string): Promise<unknown> =>
    eventually(
      async () => {
        const offsets = await admin.fetchTopicOffsets(topic);
        return on(topic).length === offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      },
      { timeoutMs: 60_000, what: `all of ${topic} consumed` },
    );
  const wait = (what: string, ok: () => boolean): Promise<unknown> => eventually(ok, { timeoutMs: 60_000, what });
  const accounts = async (rows: number): Promise<string> => {
    const table = uniqueName('accounts');
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, version int NOT NULL DEFAULT 0)`);
    await pool.query(`INSERT INTO ${table} (id) SELECT generate_series(1, $1)`, [rows]);
    return `public.${table}`;
  };
  const storm = async (table: string, rows: number, updates: number, writers: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < updates)
          await pool.query(`UPDATE ${table} SET version = version + 1 WHERE id = $1`, [(next++ % rows) + 1]);
      }),
    );
  };
  const versionsOf = (list: Got[]): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const g of list) out.set(g.key, [...(out.get(g.key) ?? []), Number(parseRowChange(g.value).after?.version)]);
    return out;
  };
  const inOrder = (v: number[]): boolean => v.every((x, i) => x === i + 1);

  try {
    say(
      `CDC demo: Kafka ${kafkaServer.version} (${kafkaServer.provider}), PostgreSQL ${pgServer.version} (private, wal_level=logical)`,
    );

    say('\n1. A publication and a logical replication slot (pgoutput); each row change to Kafka, keyed by primary key');
    const items = `public.${uniqueName('items')}`;
    await pool.query(`CREATE TABLE ${items} (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL)`);
    const itemsTopic = ns.topic('items');
    await ns.createTopics([{ topic: itemsTopic, numPartitions: 3 }]);
    const connector = cdcConnector(kafka, pool, { name: uniqueName('demo'), tables: { [items]: itemsTopic } });
    await connector.setup();
    const running = connector.run(stopAll.signal);
    await pool.query(`BEGIN; INSERT INTO ${items} VALUES (1, 'pen', 5), (2, 'ink', 1); COMMIT`);
    await pool.query(`UPDATE ${items} SET qty = 4 WHERE id = 1`);
    await pool.query(`BEGIN; INSERT INTO ${items} VALUES (3, 'never', 0); ROLLBACK`);
    await pool.query(`DELETE FROM ${items} WHERE id = 2`);
    await consume(kafka, [itemsTopic]);
    await wait('4 changes', () => on(itemsTopic).length === 4);
    for (const g of [...on(itemsTopic)].sort((a, b) => (a.position < b.position ? -1 : 1))) {
      const c = parseRowChange(g.value);
      say(
        `   ${c.op.padEnd(6)} key ${g.key} -> partition ${g.partition}, commit ${c.lsn} #${c.index}: ${JSON.stringify(c.after ?? c.before)}`,
      );
    }
    say('   (the rolled-back insert of id 3 never reached the WAL stream)');
    const last = parseRowChange([...on(itemsTopic)].sort((a, b) => (a.position < b.position ? 1 : -1))[0]!.value).lsn;
    await eventually(async () => (await connector.progress()).confirmedFlushLsn === last);
    say(`   slot confirmed_flush_lsn = ${last}: the end of the last commit Kafka acknowledged`);

    say('\n2. An update storm: 20 writers, 400 updates of 4 rows, topic with 3 partitions');
    const storming = await accounts(4);
    const stormTopic = ns.topic('storm');
    await ns.createTopics([{ topic: stormTopic, numPartitions: 3 }]);
    const stormer = cdcConnector(kafka, pool, { name: uniqueName('storm'), tables: { [storming]: stormTopic } });
    await stormer.setup();
    const stormRun = stormer.run(stopAll.signal);
    await consume(kafka, [stormTopic]);
    await storm(storming, 4, 400, 20);
    await wait('400 changes', () => on(stormTopic).length === 400);
    for (const [key, v] of [...versionsOf(on(stormTopic))].sort(([a], [b]) => (a < b ? -1 : 1)))
      say(`   ${key}: versions ${v[0]}..${v.at(-1)} in Kafka, ${v.length} changes, in commit order: ${inOrder(v)}`);

    say('\n3. A connector process SIGKILLed after Kafka acknowledged its 3rd batch, before confirming it to the slot');
    const crashing = await accounts(5);
    const crashTopic = ns.topic('crash');
    await ns.createTopics([{ topic: crashTopic, numPartitions: 3 }]);
    const slot = uniqueName('crash');
    const crashed = cdcConnector(kafka, pool, { name: slot, tables: { [crashing]: crashTopic } });
    await crashed.setup();
    await storm(crashing, 5, 300, 20);
    const args = (stall: number) => [pgServer.url, slot, crashing, crashTopic, '40', String(stall)];
    const first = spawnTsWorker(worker('connector.ts'), args(3), { POC_KAFKA_BROKERS: kafkaServer.url });
    closers.push(() => first.kill());
    const [, , inWindow, windowLsn] = (await first.waitForLine('crash-point', 60_000)).split(' ');
    const batch2 = first.lines.find((l) => l.startsWith('produced 2 '))!.split(' ')[3]!;
    await eventually(async () => (await crashed.progress()).confirmedFlushLsn === batch2);
    await first.kill();
    say(
      `   killed: Kafka has batch 3 (${inWindow} changes, up to ${windowLsn}); the slot is confirmed to ${batch2} (batch 2)`,
    );
    await storm(crashing, 5, 50, 5);
    say('   50 more updates committed while no connector runs: the slot keeps their WAL');
    const second = spawnTsWorker(worker('connector.ts'), args(0), { POC_KAFKA_BROKERS: kafkaServer.url });
    closers.push(() => second.kill());
    await consume(kafka, [crashTopic]);
    await wait('350 distinct changes', () => new Set(on(crashTopic).map((g) => g.position)).size === 350);
    const newest = parseRowChange(on(crashTopic).reduce((a, g) => (g.position > a.position ? g : a)).value).lsn;
    await eventually(async () => (await crashed.progress()).confirmedFlushLsn === newest, { timeoutMs: 60_000 });
    await drained(crashTopic);
    const filter = positionFilter();
    const kept = on(crashTopic).filter((g) => filter.accept(g.key, g.position));
    const ordered = [...versionsOf(kept).values()].every(inOrder);
    say(
      `   restarted from the slot: ${on(crashTopic).length} messages for 350 commits -> lost 0, sent twice ${on(crashTopic).length - 350}`,
    );
    say(
      `   a consumer dropping positions it has seen: dropped ${filter.dropped}, kept 350, every row in commit order: ${ordered}`,
    );
    await second.kill();

    say('\n4. The transactional outbox: the event is a row written by the business transaction');
    const paid = await accounts(2);
    const box = outbox(pool, { table: `public.${uniqueName('outbox')}` });
    await box.create();
    const [viaCdc, viaPoller] = [ns.topic('via-cdc'), ns.topic('via-poller')];
    await ns.createTopics([{ topic: viaCdc }, { topic: viaPoller }]);
    const pay = (topic: string, declined = false) =>
      box.write(async (client) => {
        const { rows } = await client.query(`UPDATE ${paid} SET version = version + 1 WHERE id = 1 RETURNING version`);
        if (declined) throw new Error('payment declined');
        return { topic, key: '1', value: { id: 1, version: rows[0].version } };
      });
    const outboxCdc = cdcConnector(kafka, pool, { name: uniqueName('outbox'), outboxTables: [box.table] });
    await outboxCdc.setup();
    const outboxRun = outboxCdc.run(stopAll.signal);
    await pay(viaCdc);
    const declined = await pay(viaCdc, true).catch((e: Error) => e.message);
    await pay(viaCdc);
    await consume(kafka, [viaCdc, viaPoller]);
    await wait('2 events via the connector', () => on(viaCdc).length === 2);
    say(
      `   relayed by the connector: ${on(viaCdc)
        .map((g) => g.value)
        .join(', ')}; "${declined}" (thrown inside the transaction) left no row change and no event`,
    );
    const pollBox = outbox(pool, { table: `public.${uniqueName('outbox')}` });
    await pollBox.create();
    await pollBox.write(async (client) => {
      const { rows } = await client.query(`UPDATE ${paid} SET version = version + 1 WHERE id = 2 RETURNING version`);
      return { topic: viaPoller, key: '2', value: { id: 2, version: rows[0].version } };
    });
    const relayed = await outboxPoller(kafka, pool, { table: pollBox.table }).pollOnce();
    await wait('1 event via the poller', () => on(viaPoller).length === 1);
    const left = (await pool.query(`SELECT count(*)::int AS n FROM ${pollBox.table}`)).rows[0].n;
    say(
      `   relayed by the poller: ${relayed} row -> ${on(viaPoller)[0]!.value}, ${left} left in the outbox after Kafka's ack`,
    );

    say('\n5. The dual write (commit, then produce from the application), broken twice');
    const dual = await accounts(1);
    const [dualTopic, rowsTopic] = [ns.topic('dual'), ns.topic('rows')];
    await ns.createTopics([{ topic: dualTopic }, { topic: rowsTopic }]);
    const rowsCdc = cdcConnector(kafka, pool, { name: uniqueName('rows'), tables: { [dual]: rowsTopic } });
    await rowsCdc.setup();
    const rowsRun = rowsCdc.run(stopAll.signal);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let paused = false;
    const writer = dualWrite(kafka, pool, {
      afterCommit: async () => {
        if (paused) return;
        paused = true;
        await released; // request A stalls after its commit (a GC pause, a slow callback)
      },
    });
    closers.push(() => writer.close());
    const bump = (client: pg.PoolClient) =>
      client
        .query(`UPDATE ${dual} SET version = version + 1 WHERE id = 1 RETURNING version`)
        .then(({ rows }) => ({ topic: dualTopic, key: '1', value: { version: rows[0].version } }));
    const a = writer.write(bump);
    await eventually(async () => (await pool.query(`SELECT version FROM ${dual}`)).rows[0].version === 1);
    await writer.write(bump);
    release();
    await a;
    await consume(kafka, [dualTopic, rowsTopic]);
    await wait('2 + 2 messages', () => on(dualTopic).length === 2 && on(rowsTopic).length === 2);
    const dualOrder = on(dualTopic).map((g) => (JSON.parse(g.value) as { version: number }).version);
    say(
      `   request A paused between commit and produce: Kafka has row 1 at versions [${dualOrder}] (dual write), [${[...versionsOf(on(rowsTopic)).values()][0]}] (connector)`,
    );
    const app = spawnTsWorker(worker('app.ts'), [pgServer.url, dual, dualTopic, '10', '7'], {
      POC_KAFKA_BROKERS: kafkaServer.url,
    });
    closers.push(() => app.kill());
    await app.waitForLine('crash-point 7', 60_000);
    await app.kill();
    await wait('7 row changes', () => on(rowsTopic).length === 7);
    await drained(dualTopic); // the app is dead: what it sent is all there will ever be
    const sent = on(dualTopic)
      .map((g) => (JSON.parse(g.value) as { version: number }).version)
      .slice(2);
    say(
      `   app SIGKILLed between commit and produce: PostgreSQL committed versions 3..7, the dual write sent [${sent}], the connector relayed [${[...versionsOf(on(rowsTopic)).values()][0]!.slice(2)}]`,
    );
    say(`   lost by the dual write: version 7 (nothing will ever send it); lost by the connector: none`);

    stopAll.abort();
    await Promise.all([running, stormRun, outboxRun, rowsRun]);
    say('\ndone');
  } finally {
    stopAll.abort();
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
    await pool.end();
    await pgServer.close();
  }
});
