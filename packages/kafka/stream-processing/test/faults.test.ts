// When the broker dies (POC_STANDARD.md §3): a private broker, SIGKILLed with counts committed. Starting
// a processor while it is down fails with a ServiceError (nothing swallowed); once it is back, a new
// instance restores every committed count and the final state equals a recount from scratch.
import { eventually, kafkaClient, privateKafka } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { logLevel, type Kafka } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isStreamProcessingError, processorTopics, windowedCount, type WindowedCounter } from '../src/index.ts';
import {
  BY_HAND,
  FAST_GROUP,
  POLL,
  SECOND,
  T0,
  asMap,
  changelogState,
  recount,
  sendEvents,
  windows,
  type TestEvent,
} from './helpers.ts';

/** On a fresh broker the group and transaction coordinators come up on first use: wait for both. */
async function coordinatorsReady(kafka: Kafka): Promise<void> {
  await eventually(
    async () => {
      const producer = kafka.producer({ transactionalId: 'warm-up', idempotent: true, maxInFlightRequests: 1 });
      const admin = kafka.admin();
      try {
        await Promise.all([producer.connect(), admin.connect()]);
        await (await producer.transaction()).abort();
        await admin.describeGroups(['warm-up']);
        return true;
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'group and transaction coordinators' },
  );
}

const events = (n: number, from: number): TestEvent[] =>
  Array.from({ length: n }, (_, i) => ({ key: ['alice', 'bob'][i % 2]!, time: T0 + (from + i) * 3 * SECOND }));

describe('when the broker dies (a private broker)', () => {
  it(
    'surfaces a ServiceError while it is down, and a restart restores every committed count',
    { timeout: 180_000 },
    async () => {
      const server = await privateKafka();
      onTestFinished(() => server.close());
      const kafka = kafkaClient(server.url, { logLevel: logLevel.NOTHING });
      await coordinatorsReady(kafka);
      const topics = { input: 'in', output: 'out', changelog: 'counts-changelog', lateEvents: 'late' };
      const admin = kafka.admin();
      await admin.connect();
      onTestFinished(() => admin.disconnect());
      await admin.createTopics({ topics: processorTopics(topics, 2), waitForLeaders: true });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      onTestFinished(() => producer.disconnect());
      const options = {
        name: 'counts',
        ...topics,
        windows: windows(),
        graceMs: 0,
        clock: new ManualClock(T0),
        consumer: FAST_GROUP,
      };
      const started = (p: WindowedCounter): WindowedCounter => (onTestFinished(() => p.stop()), p);

      const before = events(20, 0);
      const first = started(windowedCount(kafka, options));
      await first.start();
      await sendEvents(producer, topics.input, before); // acks: all (-1)
      await eventually(() => first.status().events === 20, { timeoutMs: 30_000, what: '20 events committed' });

      await server.kill(); // SIGKILL: no flush, no clean shutdown
      const impatient = kafkaClient(server.url, { logLevel: logLevel.NOTHING, retry: { retries: 1 } }); // fail fast
      const probe = started(windowedCount(impatient, { ...options, name: 'probe' }));
      const err = await probe.start().catch((e: unknown) => e);
      expect(isStreamProcessingError(err, 'service')).toBe(true);
      expect((err as Error).message).toMatch(/^connecting the admin client failed: /);
      expect(probe.status().state).toBe('failed');

      await server.start();
      await first.stop(); // whatever it made of the outage, a new instance takes over from what was committed
      const second = started(windowedCount(kafka, options));
      const restored = await second.start();
      expect(restored.entries).toBe(recount(before, BY_HAND).size);
      expect(second.counts()).toEqual(first.counts());

      const after = events(20, 20);
      await sendEvents(producer, topics.input, after);
      await eventually(() => second.status().events === 20, { timeoutMs: 30_000, what: '20 more events committed' });
      expect(asMap(second.counts())).toEqual(recount([...before, ...after], BY_HAND));
      await expect
        .poll(() => changelogState(kafka, topics.changelog), POLL)
        .toEqual(recount([...before, ...after], BY_HAND));
    },
  );
});
