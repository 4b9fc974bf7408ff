// When the broker dies under a batch (POC_STANDARD.md §3), on a private broker: the failure reaches every
// caller of the batch (nothing unacknowledged looks sent), and what was acknowledged is still there after
// the restart. Replication and leader failover are in test/failover.test.ts.
import { kafkaClient, privateKafka } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { batchingProducer, isPerformanceError } from '../src/index.ts';
import { readTopic } from './helpers.ts';

describe('a single broker killed under a batch (a private broker)', () => {
  it(
    'rejects every message of the batch with a ServiceError, and keeps what it acknowledged',
    { timeout: 180_000 },
    async () => {
      const server = await privateKafka();
      onTestFinished(() => server.close());
      const kafka = kafkaClient(server.url, {
        logLevel: logLevel.NOTHING,
        retry: { retries: 2, initialRetryTime: 100 },
      });
      const admin = kafka.admin();
      const producer = kafka.producer();
      await Promise.all([admin.connect(), producer.connect()]);
      onTestFinished(() => admin.disconnect());
      onTestFinished(() => producer.disconnect());
      const topic = 'kill-under-batch';
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      const p = batchingProducer(producer, { topic, acks: -1 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ value: `before-${i}` })));

      await server.kill();
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => p.send({ value: `during-${i}` })));
      expect(outcomes.every((o) => o.status === 'rejected' && isPerformanceError(o.reason, 'service'))).toBe(true);
      expect(p.stats().sends).toBe(2); // the 20 were one batch, and all of it failed

      await server.start();
      const stored = await readTopic(kafka, topic, 'check');
      expect(stored.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => `before-${i}`));
    },
  );
});
