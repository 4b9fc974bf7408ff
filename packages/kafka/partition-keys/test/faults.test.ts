// When the broker dies (POC_STANDARD.md §3): a private broker, registered for cleanup before the body,
// SIGKILLed in the middle of a keyed stream. Sends fail with a ServiceError while it is down (surfaced,
// not swallowed); the caller re-sends what failed; afterwards every acknowledged message is there and
// every key is still in order. Re-sending what failed is at-least-once: a batch the broker wrote but
// never acknowledged comes back as a repeat of the same sequence numbers, which the reader skips.
import { eventually, kafkaClient, kafkaNamespace, privateKafka, proxyTo, type KafkaNamespace } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isPartitionKeysError, keyBy, keyedProducer, partitionFor } from '../src/index.ts';
import { allThrough, range, readAll } from './helpers.ts';

interface Event {
  key: string;
  seq: number;
}

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'pkfaults' });
});
afterAll(() => ns?.close());

/** Per key, in log order: each key on one partition, its seqs in order, a repeat only right after itself. */
function expectEachKeyInOrder(
  log: ReadonlyArray<Event & { partition: number; offset: number }>,
  keys: readonly string[],
  rounds: number,
  partitions: number,
): void {
  const inLogOrder = [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const key of keys) {
    const mine = inLogOrder.filter((e) => e.key === key);
    expect(new Set(mine.map((e) => e.partition)), key).toEqual(new Set([partitionFor(key, partitions)]));
    const seqs = mine.map((e) => e.seq);
    expect(seqs[0], key).toBe(0);
    expect(
      seqs.filter((s, i) => i > 0 && s !== seqs[i - 1]),
      key,
    ).toEqual(range(rounds - 1, 1));
  }
}

describe('when the broker dies (a private broker)', () => {
  it('surfaces a ServiceError while it is down, and after a SIGKILL and restart keeps every acknowledged message, each key in order', async () => {
    const PARTITIONS = 6;
    const ROUNDS = 12;
    const KILL_AFTER = 5; // rounds acknowledged before the kill
    const KEYS = range(100).map((i) => `account-${i}`);
    const server = await privateKafka();
    onTestFinished(() => server.close());
    // Fail fast while the broker is gone: a few quick retries, then the error reaches the caller.
    const kafka = kafkaClient(server.url, {
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      connectionTimeout: 1_000,
    });
    const topic = 'faults.accounts';
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    await eventually(
      async () =>
        (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.every((p) => p.leader >= 0),
      { timeoutMs: 30_000, what: 'leaders' },
    );
    // A fresh broker creates its offsets topic on the first group request; have it done before the kill.
    await eventually(() => admin.describeGroups(['faults-reader']).then(() => true), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the group coordinator',
    });
    const producer = keyedProducer(kafka, { topic, key: keyBy<Event>('account', (e) => e.key) });
    await producer.connect();
    onTestFinished(() => producer.disconnect().catch(() => undefined));

    // The stream: one batch per round (every key, that round's seq), re-sent until acknowledged.
    const acknowledged: number[] = [];
    const failures: unknown[] = [];
    let killed!: () => void;
    const brokerKilled = new Promise<void>((resolve) => (killed = resolve));
    let reachedKillPoint!: () => void;
    const atKillPoint = new Promise<void>((resolve) => (reachedKillPoint = resolve));
    const stream = (async () => {
      for (let round = 0; round < ROUNDS;) {
        if (round === KILL_AFTER && failures.length === 0) {
          reachedKillPoint();
          await brokerKilled;
        }
        try {
          await producer.send(KEYS.map((key) => ({ key, seq: round })));
          acknowledged.push(round);
          round++;
        } catch (e) {
          failures.push(e);
        }
      }
    })();

    await atKillPoint;
    await server.kill(); // SIGKILL: no shutdown, no flush of its own
    killed();
    await eventually(() => failures.length > 0, { timeoutMs: 60_000, what: 'a send to fail' });
    await server.start();
    await stream;

    expect(failures.every((e) => isPartitionKeysError(e, 'service'))).toBe(true);
    expect((failures[0] as Error).message).toMatch(/^sending 100 message\(s\) to "faults\.accounts" failed: /);
    expect(acknowledged).toEqual(range(ROUNDS));

    // Read everything back from the restarted broker, in log order per partition.
    // The reader keeps the harness's default retries: the coordinator reloads its state after the restart.
    const reader = kafkaClient(server.url, { logLevel: logLevel.NOTHING }).consumer({
      groupId: 'faults-reader',
      maxWaitTimeInMs: 50,
    });
    await reader.connect();
    onTestFinished(() => reader.disconnect());
    const log: Array<Event & { partition: number; offset: number }> = [];
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) =>
        void log.push({ ...(JSON.parse(String(message.value)) as Event), partition, offset: Number(message.offset) }),
    });
    // Every acknowledged message (each key, each round) is in the log.
    await eventually(() => new Set(log.map((e) => `${e.key}:${e.seq}`)).size === KEYS.length * ROUNDS, {
      timeoutMs: 30_000,
      what: 'every acknowledged message read back',
    });
    expectEachKeyInOrder(log, KEYS, ROUNDS, PARTITIONS);
  }, 150_000); // two broker starts: each 2-30 s on a loaded machine

  it('rejects the sends queued behind a failed one unsent, so re-sending them in order keeps every key in order (a link cut by toxiproxy)', async () => {
    const PARTITIONS = 6;
    const QUEUED = 10; // sends in flight at once when the link goes
    const KEYS = range(50).map((i) => `account-${i}`);
    const broker = ns.brokers.split(',')[0]!;
    const proxy = await proxyTo(broker);
    onTestFinished(() => proxy.close());
    const topic = ns.topic('cut');
    await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
    const kafka = kafkaClient(ns.brokers, {
      socketFactory: allThrough(proxy.listen), // every connection of this client through the proxy
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
      connectionTimeout: 500,
    });
    const producer = keyedProducer(kafka, { topic, key: keyBy<Event>('account', (e) => e.key) });
    await producer.connect();
    onTestFinished(() => producer.disconnect().catch(() => undefined));
    const round = (seq: number) => KEYS.map((key) => ({ key, seq }));
    await producer.send(round(0));

    await proxy.cut();
    const outcomes = range(QUEUED, 1).map((seq) =>
      producer.send(round(seq)).then(
        () => ({ seq, error: undefined as unknown }),
        (error: unknown) => ({ seq, error }),
      ),
    );
    const first = await outcomes[0]!;
    await proxy.restore(); // at once: anything still to be sent could get through now
    const rest = await Promise.all(outcomes.slice(1));
    expect(isPartitionKeysError(first.error, 'service')).toBe(true);
    // None of the later sends went out on the restored link ahead of the failed one.
    expect(rest.map((r) => (isPartitionKeysError(r.error) ? r.error.code : 'sent'))).toEqual(
      range(QUEUED - 1).map(() => 'not-sent'),
    );
    expect((rest[0]!.error as Error).cause).toBe(first.error);

    // The caller re-sends the failed send and those behind it, in order.
    for (const seq of range(QUEUED, 1))
      await eventually(() => producer.send(round(seq)).then(() => true), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `round ${seq} re-sent`,
      });
    const log = (await readAll(ns, topic, KEYS.length * (QUEUED + 1))).map((r) => ({
      ...(JSON.parse(r.value) as Event),
      partition: r.partition,
      offset: r.offset,
    }));
    expectEachKeyInOrder(log, KEYS, QUEUED + 1, PARTITIONS);
  });
});
