// A handler that throws, with each error type: KafkaJS stops a consumer for good on TypeError,
// SyntaxError, RangeError and ReferenceError ("unrecoverable") and retries anything else.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKafkaPocError, runTypedConsumer, typedProducer, type ConsumerCrash } from '../src/index.ts';
import { FAST_GROUP, eventTopic, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kthrow' });
});
afterAll(() => ns?.close());

const MESSAGES = 10;
const THROW_AT = 2;
const kinds = [TypeError, SyntaxError, RangeError, ReferenceError, Error];

/** A one-partition topic with seq 0..n-1 for entity "a", its dead-letter topic, and a consumer of the group. */
async function setup(name: string, n: number, retry?: { retries: number; restartOnFailure: () => Promise<boolean> }) {
  const t = eventTopic(ns.topic(name));
  const dlt = ns.topic(`${name}-dlt`);
  await ns.createTopics([{ topic: t.name, numPartitions: 1 }, { topic: dlt }]);
  const kafka = ns.kafka();
  const producer = await producerFor(kafka);
  await typedProducer(producer).send(
    t,
    range(n).map((seq) => ({ key: 'a', value: { entity: 'a', seq } })),
  );
  const consumer = kafka.consumer({ groupId: ns.groupId(name), ...FAST_GROUP, ...(retry ? { retry } : {}) });
  await consumer.connect();
  const admin = kafka.admin();
  await admin.connect();
  const committed = async (): Promise<number> =>
    Number((await admin.fetchOffsets({ groupId: ns.groupId(name), topics: [t.name] }))[0]!.partitions[0]!.offset);
  const close = () => Promise.all([consumer.disconnect(), admin.disconnect()]);
  return { t, deadLetter: { topic: dlt, producer }, consumer, committed, close };
}

describe('a handler that throws', () => {
  it.each(kinds.map((k) => [k.name, k] as const))(
    'one %s thrown is retried: every message handled once and committed, the consumer keeps running',
    async (name, kind) => {
      const { t, deadLetter, consumer, committed, close } = await setup(`throw-${name}`, MESSAGES);
      try {
        const handled: number[] = [];
        const crashes: ConsumerCrash[] = [];
        let thrown = false;
        await runTypedConsumer(consumer, {
          topic: t,
          deadLetter,
          fromBeginning: true,
          onCrash: (c) => crashes.push(c),
          handle: async (m) => {
            if (m.value.seq === THROW_AT && !thrown) {
              thrown = true;
              throw new kind(`a bug that shows once, at ${m.value.seq}`);
            }
            handled.push(m.value.seq);
          },
        });
        // Old code: stuck at 2 of 10, the consumer gone from the group and nobody told.
        await eventually(
          async () => {
            if (handled.length < MESSAGES) throw new Error(`handled ${handled.length} of ${MESSAGES}: [${handled}]`);
            return (await committed()) === MESSAGES;
          },
          { timeoutMs: 20_000, intervalMs: 50, what: `${MESSAGES} handled and committed` },
        );
        expect(handled).toEqual(range(MESSAGES));
        expect(crashes.filter((c) => !c.restart)).toEqual([]);
      } finally {
        await close();
      }
    },
  );

  it('tells the caller when the consumer stops for good: onCrash with the handler error and restart false', async () => {
    // An application that chose not to restart after a failure that outlived KafkaJS's retries.
    const { t, deadLetter, consumer, close } = await setup('crash', 1, {
      retries: 1,
      restartOnFailure: async () => false,
    });
    try {
      const crashes: ConsumerCrash[] = [];
      await runTypedConsumer(consumer, {
        topic: t,
        deadLetter,
        fromBeginning: true,
        onCrash: (c) => crashes.push(c),
        handle: async () => {
          throw new TypeError('x.map is not a function');
        },
      });
      await eventually(() => crashes.length > 0, { timeoutMs: 20_000, what: 'a crash reported' });
      const [crash] = crashes;
      expect(crash!.restart).toBe(false);
      expect(isKafkaPocError(crash!.error, 'handler')).toBe(true);
      expect(crash!.error.message).toBe(`handling ${t.name}/0@0 failed: TypeError: x.map is not a function`);
      expect(crash!.error.cause).toBeInstanceOf(TypeError);
    } finally {
      await close();
    }
  });
});
