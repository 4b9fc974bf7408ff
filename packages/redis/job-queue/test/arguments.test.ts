import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QueueArgumentError,
  isQueueError,
  jobQueue,
  queueKeys,
  type JobQueue,
  type QueueOptions,
} from '../src/index.ts';
import { keysOf } from './helpers.ts';

let ns: RedisNamespace;
let redis: Redis;
let queue: JobQueue<unknown>;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'jqargs' });
  redis = ns.client();
  queue = jobQueue(redis, { name: 'args' });
});
afterAll(() => ns?.close());

const noop = async (): Promise<void> => {};
const circular: Record<string, unknown> = {};
circular.self = circular;
// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'not an ioredis client',
    () => jobQueue({} as Redis, { name: 'q' }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'missing options',
    () => jobQueue(redis, undefined as unknown as QueueOptions),
    'options must be an object with at least name (got undefined)',
  ],
  ['empty queue name', () => jobQueue(redis, { name: '' }), 'name must be 1-64 characters of [A-Za-z0-9_.-] (got "")'],
  ['queue name with a brace', () => queueKeys('a}b'), 'name must be 1-64 characters of [A-Za-z0-9_.-] (got "a}b")'],
  [
    'zero visibility timeout',
    () => jobQueue(redis, { name: 'q', visibilityTimeoutMs: 0 }),
    'visibilityTimeoutMs must be a positive integer (got 0)',
  ],
  [
    'fractional visibility timeout',
    () => jobQueue(redis, { name: 'q', visibilityTimeoutMs: 1.5 }),
    'visibilityTimeoutMs must be a positive integer (got 1.5)',
  ],
  [
    'zero max attempts',
    () => jobQueue(redis, { name: 'q', maxAttempts: 0 }),
    'maxAttempts must be a positive integer (got 0)',
  ],
  [
    'negative retry delay',
    () => jobQueue(redis, { name: 'q', retryDelayMs: -1 }),
    'retryDelayMs must be a non-negative integer (got -1)',
  ],
  [
    'keepCompleted as a string',
    () => jobQueue(redis, { name: 'q', keepCompleted: '10' as unknown as number }),
    'keepCompleted must be a non-negative integer (got "10")',
  ],
  [
    'clock without now()',
    () => jobQueue(redis, { name: 'q', clock: {} as Clock }),
    'clock must have a now() function (got an object)',
  ],
  ['undefined payload', () => queue.enqueue(undefined), 'payload must be JSON-serialisable (got undefined)'],
  ['function payload', () => queue.enqueue(noop), 'payload must be JSON-serialisable (got a function)'],
  ['circular payload', () => queue.enqueue(circular), 'payload must be JSON-serialisable (got an object)'],
  [
    'job id with a space',
    () => queue.enqueue(1, { id: 'a b' }),
    'id must be 1-64 characters of [A-Za-z0-9_.-] (got "a b")',
  ],
  ['negative delay', () => queue.enqueue(1, { delayMs: -10 }), 'delayMs must be a non-negative integer (got -10)'],
  [
    'handler that is not a function',
    () => queue.work('run' as unknown as typeof noop),
    'handler must be a function (job) => Promise (got a string)',
  ],
  ['zero concurrency', () => queue.work(noop, { concurrency: 0 }), 'concurrency must be a positive integer (got 0)'],
  [
    'zero block timeout',
    () => queue.work(noop, { blockTimeoutMs: 0 }),
    'blockTimeoutMs must be a positive integer (got 0)',
  ],
  [
    'negative heartbeat',
    () => queue.work(noop, { heartbeatMs: -5 }),
    'heartbeatMs must be a positive integer (got -5)',
  ],
  [
    'worker id with a colon',
    () => queue.work(noop, { id: 'w:1' }),
    'id must be 1-64 characters of [A-Za-z0-9_.-] (got "w:1")',
  ],
  [
    'onEvent that is not a function',
    () => queue.work(noop, { onEvent: 1 as unknown as () => void }),
    'onEvent must be a function (got a number)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with QueueArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(QueueArgumentError);
      expect(isQueueError(err)).toBe(true);
      expect(isQueueError(err, 'argument')).toBe(true);
      expect((err as Error).name).toBe('QueueArgumentError');
      expect((err as Error).message).toBe(message);
    },
  );

  it('writes nothing to Redis when an argument is rejected', async () => {
    await queue.enqueue(undefined).catch(() => {});
    await queue.work(noop, { concurrency: 0 }).catch(() => {});
    expect(await keysOf(ns, redis)).toEqual([]);
  });
});
