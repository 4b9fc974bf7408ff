// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { kafkaClient, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PartitionKeysArgumentError,
  expectedMovedFraction,
  growPartitions,
  isPartitionKeysError,
  keyBy,
  keyedProducer,
  movedKeys,
  partitionFor,
  reaggregate,
  saltedKey,
  topicLoad,
} from '../src/index.ts';
import { naiveGrowPartitions } from '../src/naive.ts';

// Clients are created but never connected: every call below must fail before anything is sent, except
// the one row that needs the topic's real partition count.
const kafka = kafkaClient('127.0.0.1:1');
const admin = kafka.admin();
const byTenant = keyBy<{ tenant: unknown }>('tenant', (e) => e.tenant as string);
const producer = keyedProducer(kafka, { topic: 't', key: byTenant });

let ns: KafkaNamespace;
let realAdmin: Admin;
let sixPartitions: string;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'pkargs' });
  sixPartitions = ns.topic('six');
  await ns.createTopics([{ topic: sixPartitions, numPartitions: 6 }]);
  realAdmin = ns.kafka().admin();
  await realAdmin.connect();
});
afterAll(async () => {
  await realAdmin?.disconnect();
  await ns?.close();
});

const grow = { topic: 't', count: 8, groupIds: ['g'] };
const cases: Array<[string, () => unknown, string]> = [
  ['key that is not a string', () => partitionFor(42 as never, 6), 'key must be a string or a Buffer (got a number)'],
  ['zero partitions', () => partitionFor('k', 0), 'partitions must be a positive integer (got 0)'],
  ['empty strategy name', () => keyBy('', (e) => String(e)), 'name must be a non-empty string (got "")'],
  ['pick that is not a function', () => keyBy('tenant', 'tenant' as never), 'pick must be a function (got a string)'],
  [
    'groupOf that is not a function',
    () => keyBy('tenant', (e) => String(e), { groupOf: 1 as never }),
    'options.groupOf must be a function (got a number)',
  ],
  [
    'an event whose key is missing',
    () => byTenant.keyOf({ tenant: undefined }),
    'the "tenant" key of an event must be a non-empty string (got undefined)',
  ],
  [
    'salting something that is not a strategy',
    () => saltedKey({} as never, { buckets: 4 }),
    'base must be a KeyStrategy (keyBy(...)) (got an object)',
  ],
  [
    'salting without options',
    () => saltedKey(byTenant, undefined as never),
    'options must be an object { buckets } (got undefined)',
  ],
  [
    'one bucket',
    () => saltedKey(byTenant, { buckets: 1 }),
    'options.buckets must be an integer from 2 to 1000 (got 1)',
  ],
  [
    'hot keys that are not an array of strings',
    () => saltedKey(byTenant, { buckets: 4, hot: 'acme' as never }),
    'options.hot must be an array of non-empty strings (got a string)',
  ],
  [
    'by that is not a function',
    () => saltedKey(byTenant, { buckets: 4, by: 'orderId' as never }),
    'options.by must be a function (got a string)',
  ],
  [
    'a key holding the salt separator',
    () => saltedKey(byTenant, { buckets: 4 }).keyOf({ tenant: 'acme#1' }),
    'the "tenant" key of an event must not contain the salt separator "#" (got "acme#1")',
  ],
  [
    're-aggregating without a strategy',
    () => reaggregate(null as never, [], (a) => a),
    'strategy must be a KeyStrategy (got null)',
  ],
  [
    're-aggregating something not iterable',
    () => reaggregate(byTenant, 5 as never, (a) => a),
    'partials must be an iterable of [key, value] (got a number)',
  ],
  [
    're-aggregating without combine',
    () => reaggregate(byTenant, [], null as never),
    'combine must be a function (got null)',
  ],
  [
    'kafka that is not a client',
    () => keyedProducer({} as never, { topic: 't', key: byTenant }),
    'kafka must be a KafkaJS client (new Kafka(...)) (got an object)',
  ],
  [
    'producer without options',
    () => keyedProducer(kafka, undefined as never),
    'options must be an object { topic, key } (got undefined)',
  ],
  [
    'producer with an empty topic',
    () => keyedProducer(kafka, { topic: '', key: byTenant }),
    'options.topic must be a non-empty string (got "")',
  ],
  [
    'producer without a key strategy',
    () => keyedProducer(kafka, { topic: 't', key: ((e: unknown) => e) as never }),
    'options.key must be a KeyStrategy (keyBy(...)) (got a function)',
  ],
  [
    'serialize that is not a function',
    () => keyedProducer(kafka, { topic: 't', key: byTenant, serialize: 'json' as never }),
    'options.serialize must be a function (got a string)',
  ],
  [
    'zero metadata age',
    () => keyedProducer(kafka, { topic: 't', key: byTenant, metadataMaxAgeMs: 0 }),
    'options.metadataMaxAgeMs must be a positive integer (got 0)',
  ],
  ['sending nothing', () => producer.send([]), 'events must be a non-empty array (got an array)'],
  [
    'sending with a bad signal',
    () => producer.send([{ tenant: 'a' }], 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['load without an admin', () => topicLoad({} as never, 't'), 'admin must be a KafkaJS admin client (got an object)'],
  ['load of an empty topic name', () => topicLoad(admin, ''), 'topic must be a non-empty string (got "")'],
  [
    'load for an empty group id',
    () => topicLoad(admin, 't', { groupId: '' }),
    'options.groupId must be a non-empty string (got "")',
  ],
  ['moved keys of a number', () => movedKeys(7 as never, 6, 8), 'keys must be an iterable of strings (got a number)'],
  ['moved keys from 0 partitions', () => movedKeys([], 0, 8), 'from must be a positive integer (got 0)'],
  ['a fractional partition count', () => expectedMovedFraction(6, 7.5), 'to must be a positive integer (got 7.5)'],
  [
    'growing without an admin',
    () => growPartitions(null as never, grow),
    'admin must be a KafkaJS admin client (got null)',
  ],
  [
    'growing without options',
    () => growPartitions(admin, undefined as never),
    'options must be an object { topic, count, groupIds } (got undefined)',
  ],
  [
    'growing to 0 partitions',
    () => growPartitions(admin, { ...grow, count: 0 }),
    'options.count must be a positive integer (got 0)',
  ],
  [
    'growing with no group named',
    () => growPartitions(admin, { ...grow, groupIds: [] }),
    'options.groupIds must be a non-empty array of group ids (got an array)',
  ],
  [
    'a zero timeout',
    () => growPartitions(admin, { ...grow, timeoutMs: 0 }),
    'options.timeoutMs must be a positive integer (got 0)',
  ],
  [
    'a negative poll interval',
    () => growPartitions(admin, { ...grow, pollMs: -1 }),
    'options.pollMs must be a positive integer (got -1)',
  ],
  [
    'a clock that is not a Clock',
    () => growPartitions(admin, { ...grow, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => growPartitions(admin, { ...grow, signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'growing to fewer partitions than the topic has',
    () => growPartitions(realAdmin, { ...grow, topic: sixPartitions, count: 6 }),
    "options.count must be more than the topic's 6 partitions (Kafka cannot remove any) (got 6)",
  ],
  [
    'the naive version, shrinking',
    () => naiveGrowPartitions(realAdmin, { ...grow, topic: sixPartitions, count: 4 }),
    "options.count must be more than the topic's 6 partitions (Kafka cannot remove any) (got 4)",
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PartitionKeysArgumentError);
    expect(isPartitionKeysError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
