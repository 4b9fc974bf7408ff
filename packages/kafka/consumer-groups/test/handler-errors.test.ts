// A handler that throws, with each error type: KafkaJS stops a consumer for good on TypeError,
// SyntaxError, RangeError and ReferenceError ("unrecoverable") and retries anything else.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLag, isGroupError, runGroupConsumer, type CommitMode, type ConsumerCrash } from '../src/index.ts';
import { FAST_GROUP, adminFor, produceSeq, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kthrow' });
});
afterAll(() => ns?.close());

const MESSAGES = 10;
const THROW_AT = 2;
const kinds = [TypeError, SyntaxError, RangeError, ReferenceError, Error];
const modes: CommitMode[] = ['auto', 'after-processing'];
const cases = modes.flatMap((commit) => kinds.map((kind) => [kind.name, commit, kind] as const));

describe('a handler that throws', () => {
  it.each(cases)(
    'one %s thrown (commit %s) is retried: every message handled once and committed, the consumer keeps running',
    async (name, commit, kind) => {
      const topic = ns.topic(`throw-${name}-${commit}`);
      const group = ns.groupId(`throw-${name}-${commit}`);
      await ns.createTopics([{ topic, numPartitions: 1 }]);
      const kafka = ns.kafka();
      const admin = await adminFor(kafka);
      await produceSeq(await producerFor(kafka), topic, MESSAGES, 0, false);

      const handled: number[] = [];
      const crashes: ConsumerCrash[] = [];
      let thrown = false;
      const consumer = kafka.consumer({ groupId: group, ...FAST_GROUP });
      await consumer.connect();
      try {
        await runGroupConsumer(consumer, {
          topic,
          commit,
          fromBeginning: true,
          onCrash: (c) => crashes.push(c),
          handle: async ({ message }) => {
            const v = Number(message.value);
            if (v === THROW_AT && !thrown) {
              thrown = true;
              throw new kind(`a bug that shows once, at ${v}`);
            }
            handled.push(v);
          },
        });
        // Old code: stuck at 2 of 10, the consumer gone from the group and nobody told.
        await eventually(
          async () => {
            if (handled.length < MESSAGES) throw new Error(`handled ${handled.length} of ${MESSAGES}: [${handled}]`);
            return (await consumerLag(admin, group, topic)).total === 0;
          },
          { timeoutMs: 20_000, intervalMs: 50, what: `${MESSAGES} handled and committed` },
        );
        expect(handled).toEqual(range(MESSAGES));
        expect(crashes.filter((c) => !c.restart)).toEqual([]);
      } finally {
        await consumer.disconnect();
      }
    },
  );

  it.each(modes)(
    'tells the caller when the consumer stops for good (commit %s): onCrash with the handler error and restart false',
    async (commit) => {
      const topic = ns.topic(`crash-${commit}`);
      const group = ns.groupId(`crash-${commit}`);
      await ns.createTopics([{ topic, numPartitions: 1 }]);
      const kafka = ns.kafka();
      await produceSeq(await producerFor(kafka), topic, 1, 0, false);

      const crashes: ConsumerCrash[] = [];
      // An application that chose not to restart after a failure that outlived KafkaJS's retries.
      const consumer = kafka.consumer({
        groupId: group,
        ...FAST_GROUP,
        retry: { retries: 1, initialRetryTime: 50, restartOnFailure: async () => false },
      });
      await consumer.connect();
      try {
        await runGroupConsumer(consumer, {
          topic,
          commit,
          fromBeginning: true,
          onCrash: (c) => crashes.push(c),
          handle: async () => {
            throw new TypeError('x.map is not a function');
          },
        });
        await eventually(() => crashes.length > 0, { timeoutMs: 20_000, what: 'a crash reported' });
        const [crash] = crashes;
        expect(crash!.restart).toBe(false);
        expect(isGroupError(crash!.error, 'handler')).toBe(true);
        expect(crash!.error.message).toBe(`handling ${topic}/0@0 failed: TypeError: x.map is not a function`);
        expect(crash!.error.cause).toBeInstanceOf(TypeError);
      } finally {
        await consumer.disconnect();
      }
    },
  );
});
