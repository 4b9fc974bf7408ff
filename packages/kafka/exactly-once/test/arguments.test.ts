// Bad input gets an ExactlyOnceArgumentError naming the argument and the rule, with the exact message,
// before anything is sent: the clients here point at a port nothing listens on and are never connected.
// `as never` stands for callers without TypeScript (or with `any`).
import { kafkaClient } from '@poc/harness';
import { describe, expect, it } from 'vitest';
import {
  ExactlyOnceArgumentError,
  exactlyOnceProcessor,
  isExactlyOnceError,
  caughtUp,
  readTopic,
  type ProcessorOptions,
} from '../src/index.ts';
import { atLeastOnceProcessor, unfencedTransactionalProcessor } from '../src/naive.ts';

const kafka = kafkaClient('127.0.0.1:1');
const ok: ProcessorOptions = { groupId: 'g', input: 'in', output: 'out', transform: () => [] };
const make = (options: Partial<ProcessorOptions> | Record<string, unknown>) =>
  exactlyOnceProcessor(kafka, { ...ok, ...options } as ProcessorOptions);

const cases: Array<[string, () => unknown, string]> = [
  [
    'kafka that is not a client',
    () => exactlyOnceProcessor({} as never, ok),
    'kafka must be a KafkaJS client (new Kafka(...)) (got an object)',
  ],
  [
    'missing options',
    () => exactlyOnceProcessor(kafka, undefined as never),
    'options must be an object (got undefined)',
  ],
  ['empty groupId', () => make({ groupId: '' }), 'options.groupId must be a non-empty string (got "")'],
  ['groupId that is not a string', () => make({ groupId: 42 }), 'options.groupId must be a non-empty string (got 42)'],
  ['missing input topic', () => make({ input: undefined }), 'options.input must be a non-empty string (got undefined)'],
  ['empty output topic', () => make({ output: '' }), 'options.output must be a non-empty string (got "")'],
  ['output = input', () => make({ output: 'in' }), 'options.output must differ from options.input (got "in")'],
  [
    'transform that is not a function',
    () => make({ transform: 'upper' }),
    'options.transform must be a function (got a string)',
  ],
  ['zero batchSize', () => make({ batchSize: 0 }), 'options.batchSize must be an integer from 1 to 10000 (got 0)'],
  [
    'fractional batchSize',
    () => make({ batchSize: 2.5 }),
    'options.batchSize must be an integer from 1 to 10000 (got 2.5)',
  ],
  [
    'fromBeginning that is not a boolean',
    () => make({ fromBeginning: 'yes' }),
    'options.fromBeginning must be a boolean (got "yes")',
  ],
  [
    'transaction timeout below a second',
    () => make({ transactionTimeoutMs: 500 }),
    'options.transactionTimeoutMs must be an integer from 1000 to 900000 (got 500)',
  ],
  [
    'transaction timeout above Kafka’s cap',
    () => make({ transactionTimeoutMs: 3_600_000 }),
    'options.transactionTimeoutMs must be an integer from 1000 to 900000 (got 3600000)',
  ],
  [
    'consumer settings that are not an object',
    () => make({ consumer: 6000 }),
    'options.consumer must be an object (got a number)',
  ],
  [
    'a consumer setting the processor decides itself',
    () => make({ consumer: { readUncommitted: true } }),
    'options.consumer.readUncommitted is not a setting this processor takes (sessionTimeout, heartbeatInterval, rebalanceTimeout, maxWaitTimeInMs, maxBytesPerPartition) (got true)',
  ],
  [
    'a negative session timeout',
    () => make({ consumer: { sessionTimeout: -1 } }),
    'options.consumer.sessionTimeout must be a positive integer (got -1)',
  ],
  [
    'onProduced that is not a function',
    () => make({ onProduced: true }),
    'options.onProduced must be a function (got a boolean)',
  ],
  [
    'onCommit that is not a function',
    () => make({ onCommit: {} }),
    'options.onCommit must be a function (got an object)',
  ],
  [
    'onError that is not a function',
    () => make({ onError: 'log' }),
    'options.onError must be a function (got a string)',
  ],
  ['onCrash that is not a function', () => make({ onCrash: 1 }), 'options.onCrash must be a function (got a number)'],
  [
    'signal that is not an AbortSignal',
    () => make({}).start('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'output = input, at-least-once',
    () => atLeastOnceProcessor(kafka, { ...ok, output: 'in' }),
    'options.output must differ from options.input (got "in")',
  ],
  [
    'zero batchSize, unfenced',
    () => unfencedTransactionalProcessor(kafka, { ...ok, batchSize: 0 }),
    'options.batchSize must be an integer from 1 to 10000 (got 0)',
  ],
  [
    'reading with an unknown isolation',
    () => readTopic(kafka, { topic: 't', groupId: 'g', isolation: 'serializable' as never }),
    'options.isolation must be one of "read_committed", "read_uncommitted" (got "serializable")',
  ],
  [
    'reading without a group',
    () => readTopic(kafka, { topic: 't', isolation: 'read_committed' } as never),
    'options.groupId must be a non-empty string (got undefined)',
  ],
  [
    'reading with a zero timeout',
    () => readTopic(kafka, { topic: 't', isolation: 'read_committed', groupId: 'g', timeoutMs: 0 }),
    'options.timeoutMs must be a positive integer (got 0)',
  ],
  [
    'caught-up check without an admin',
    () => caughtUp({} as never, 'g', 't'),
    'admin must be a KafkaJS admin client (got an object)',
  ],
  [
    'caught-up check without a group',
    () => caughtUp(kafka.admin(), '', 't'),
    'groupId must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(ExactlyOnceArgumentError);
    expect(isExactlyOnceError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('refuses a second start()', async () => {
    const p = make({});
    await p.stop(); // a stopped processor is not new
    const err = await p.start().catch((e: unknown) => e);
    expect(isExactlyOnceError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe('start() must be called once, on a new processor (got "stopped")');
  });
});
