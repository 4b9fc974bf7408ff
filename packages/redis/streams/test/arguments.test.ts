import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StreamArgumentError,
  consume,
  ensureGroup,
  isStreamError,
  pendingSummary,
  readDeadLetters,
  streamProducer,
  type ConsumeOptions,
} from '../src/index.ts';
import { consumeWithoutAck } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'streamargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const handler = (): void => {};
const base: ConsumeOptions<unknown> = { stream: 's', group: 'g', consumer: 'c', handler };
const run = (patch: Record<string, unknown>) => consume(redis, { ...base, ...patch } as ConsumeOptions<unknown>);
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'not an ioredis client',
    () => streamProducer({} as Redis, { stream: 's' }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'missing producer options',
    () => streamProducer(redis, undefined as unknown as { stream: string }),
    'options must be an object with at least stream (got undefined)',
  ],
  ['empty stream name', () => streamProducer(redis, { stream: '' }), 'stream must be a non-empty string (got "")'],
  ['zero maxLen', () => streamProducer(redis, { stream: 's', maxLen: 0 }), 'maxLen must be a positive integer (got 0)'],
  [
    'fractional maxLen',
    () => streamProducer(redis, { stream: 's', maxLen: 2.5 }),
    'maxLen must be a positive integer (got 2.5)',
  ],
  [
    'undefined payload',
    () => streamProducer(redis, { stream: 's' }).add(undefined),
    'data must be JSON-serialisable (not undefined or a function) (got undefined)',
  ],
  [
    'function payload',
    () => streamProducer<unknown>(redis, { stream: 's' }).add(() => 1),
    'data must be JSON-serialisable (not undefined or a function) (got a function)',
  ],
  [
    'items that are not an array',
    () => streamProducer(redis, { stream: 's' }).addMany('abc' as unknown as string[]),
    'items must be an array (got a string)',
  ],
  [
    'one bad item among many',
    () => streamProducer<unknown>(redis, { stream: 's' }).addMany([1, undefined, 3]),
    'items[1] must be JSON-serialisable (not undefined or a function) (got undefined)',
  ],
  ['empty group name', () => ensureGroup(redis, 's', ''), 'group must be a non-empty string (got "")'],
  ['bad start id', () => ensureGroup(redis, 's', 'g', '1-0' as '0'), 'startId must be one of "0", "$" (got "1-0")'],
  [
    'missing consume options',
    () => consume(redis, undefined as unknown as ConsumeOptions<unknown>),
    'options must be an object with stream, group, consumer and handler (got undefined)',
  ],
  ['empty consumer name', () => run({ consumer: '' }), 'consumer must be a non-empty string (got "")'],
  [
    'handler that is not a function',
    () => run({ handler: 'h' }),
    'handler must be a function (entry, signal) => Promise<void> (got a string)',
  ],
  ['signal that is not an AbortSignal', () => run({ signal: 'stop' }), 'signal must be an AbortSignal (got a string)'],
  ['zero batchSize', () => run({ batchSize: 0 }), 'batchSize must be a positive integer (got 0)'],
  ['zero blockMs (would block forever)', () => run({ blockMs: 0 }), 'blockMs must be a positive integer (got 0)'],
  ['negative claimIdleMs', () => run({ claimIdleMs: -1 }), 'claimIdleMs must be a positive integer (got -1)'],
  [
    'claimEveryMs as a string',
    () => run({ claimEveryMs: '100' }),
    'claimEveryMs must be a positive integer (got "100")',
  ],
  ['zero maxDeliveries', () => run({ maxDeliveries: 0 }), 'maxDeliveries must be a positive integer (got 0)'],
  [
    'dead-letter stream equal to the stream',
    () => run({ deadLetterStream: 's' }),
    'deadLetterStream must differ from stream (got "s")',
  ],
  ['onError that is not a function', () => run({ onError: 1 }), 'onError must be a function (got a number)'],
  [
    'pending summary of an empty group name',
    () => pendingSummary(redis, 's', ''),
    'group must be a non-empty string (got "")',
  ],
  ['dead letters with count 0', () => readDeadLetters(redis, 's:dead', 0), 'count must be a positive integer (got 0)'],
  [
    'naive consumer with zero batchSize',
    () => consumeWithoutAck(redis, { ...base, batchSize: 0 }),
    'batchSize must be a positive integer (got 0)',
  ],
  [
    'naive consumer without a client',
    () => consumeWithoutAck(null as unknown as Redis, base),
    'redis must be an ioredis client (got null)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with StreamArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(StreamArgumentError);
      expect(isStreamError(err)).toBe(true);
      expect(isStreamError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('StreamArgumentError');
    },
  );

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([]);
  });

  it('rejects a cyclic payload with StreamArgumentError quoting the serialiser, before sending anything', async () => {
    const err = await streamProducer(redis, { stream: 's' })
      .add(cyclic)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamArgumentError);
    expect((err as Error).message).toMatch(/^data must be JSON-serialisable \(Converting circular structure to JSON/);
    expect(await redis.exists('s')).toBe(0);
  });
});
