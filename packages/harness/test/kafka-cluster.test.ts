// privateKafka({ brokers: 3 }): three KRaft nodes on loopback that replicate, elect a new leader when
// one is SIGKILLed, and take the killed node back. The POCs about replication build on exactly this.
import { logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../src/testing/index.ts';
import { privateKafka } from '../src/services/index.ts';
import { readFileSync } from 'node:fs';
import { HarnessArgumentError } from '../src/errors.ts';
import { listenersOn } from '../src/services/local/sockets.ts';

describe('privateKafka({ brokers })', () => {
  it.each([0, 10, 2.5, Number.NaN])('refuses brokers = %s', async (brokers) => {
    await expect(privateKafka({ brokers })).rejects.toThrow(HarnessArgumentError);
    await expect(privateKafka({ brokers })).rejects.toThrow(/^brokers must be an integer from 1 to 9 \(got /);
  });

  it(
    'starts three replicating nodes; a killed leader is replaced and the node rejoins',
    { timeout: 240_000 },
    async () => {
      const cluster = await privateKafka({ brokers: 3 });
      onTestFinished(() => cluster.close());
      expect(cluster.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
      expect(new Set(cluster.nodes.map((n) => n.url)).size).toBe(3);
      for (const n of cluster.nodes) expect(n.url).toMatch(/^127\.0\.0\.1:\d+$/);

      const admin = cluster.kafka({ logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      onTestFinished(() => admin.disconnect());
      const described = await admin.describeCluster();
      expect(described.clusterId).toBe(cluster.clusterId);
      expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

      const topic = 'replicated';
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
        waitForLeaders: false,
      });
      const isr = async (): Promise<number[]> =>
        (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions[0]!.isr.slice().sort();
      await eventually(async () => (await isr()).length === 3, {
        timeoutMs: 60_000,
        what: 'all three replicas in sync',
      });

      const producer = cluster
        .kafka({ logLevel: logLevel.NOTHING })
        .producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      onTestFinished(() => producer.disconnect());
      const send = (from: number, count: number) =>
        producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, i) => ({ value: String(from + i) })),
        });
      await send(0, 50);

      const leader = await cluster.leaderOf(topic);
      await leader.kill();
      expect(leader.running).toBe(false);
      const next = await eventually(
        async () => {
          const l = await cluster.leaderOf(topic);
          return l.nodeId !== leader.nodeId ? l : undefined;
        },
        { timeoutMs: 60_000, what: 'a new partition leader' },
      );
      expect(next.running).toBe(true);
      // acks=all with min ISR 2 keeps working with two of three nodes.
      await eventually(() => send(50, 50).then(() => true), { timeoutMs: 60_000, what: 'a produce after failover' });

      await leader.start();
      await eventually(async () => (await isr()).length === 3, {
        timeoutMs: 90_000,
        what: 'the killed node back in sync',
      });

      // freeze() stops the node's whole process (SIGSTOP: state T in /proc) with its sockets open; thaw() resumes it.
      const state = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0);
      const follower = cluster.nodes.find((n) => n.nodeId !== next.nodeId)!;
      const [jvm] = listenersOn(Number(follower.url.split(':')[1]));
      expect(jvm).toBeDefined();
      // A signal takes effect when the process is next scheduled: wait for the state, don't sample it once.
      follower.freeze();
      await eventually(() => state(jvm!) === 'T', { what: 'the frozen JVM stopped' });
      follower.thaw();
      await eventually(() => state(jvm!) !== 'T', { what: 'the thawed JVM running' });
      await eventually(async () => (await isr()).length === 3, { timeoutMs: 90_000, what: 'the thawed node in sync' });

      const consumer = cluster.kafka({ logLevel: logLevel.NOTHING }).consumer({ groupId: 'check' });
      await consumer.connect();
      onTestFinished(() => consumer.disconnect());
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen = new Set<string>();
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
      await eventually(() => seen.size >= 100, { timeoutMs: 60_000, what: '100 messages consumed' });
      expect([...seen].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    },
  );
});
