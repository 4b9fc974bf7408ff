// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DedupArgumentError, dedup, isDedupError, type Dedup } from '../src/index.ts';
import { naiveDedup } from '../src/naive.ts';

let redis: Redis;
let setNx: Dedup;
let highWater: Dedup;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'dedup_args' }); // a key prefix of its own
  redis = redisNs.client();
  setNx = dedup(redis, { prefix: 'a', strategy: { kind: 'set-nx', ttlMs: 1_000 } });
  highWater = dedup(redis, { prefix: 'a', strategy: { kind: 'high-water' } });
});
afterAll(() => redisNs?.close());

const ok = async (): Promise<void> => undefined;
const sx = { kind: 'set-nx', ttlMs: 1_000 } as const;
const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => dedup({} as never, { prefix: 'x', strategy: sx }),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => dedup(redis, undefined as never), 'options must be an object (got undefined)'],
  [
    'empty prefix',
    () => dedup(redis, { prefix: '', strategy: sx }),
    'options.prefix must be a non-empty string (got "")',
  ],
  [
    'missing strategy',
    () => dedup(redis, { prefix: 'x' } as never),
    'options.strategy must be an object (got undefined)',
  ],
  [
    'unknown strategy kind',
    () => dedup(redis, { prefix: 'x', strategy: { kind: 'bloom' } as never }),
    'options.strategy.kind must be one of "set-nx", "high-water" (got "bloom")',
  ],
  [
    'set-nx without ttlMs',
    () => dedup(redis, { prefix: 'x', strategy: { kind: 'set-nx' } as never }),
    'options.strategy.ttlMs must be a positive integer (got undefined)',
  ],
  [
    'set-nx with ttlMs 0',
    () => dedup(redis, { prefix: 'x', strategy: { kind: 'set-nx', ttlMs: 0 } }),
    'options.strategy.ttlMs must be a positive integer (got 0)',
  ],
  [
    'unknown failure policy',
    () => dedup(redis, { prefix: 'x', strategy: { kind: 'set-nx', ttlMs: 1, onFailure: 'retry' as never } }),
    'options.strategy.onFailure must be one of "release", "keep" (got "retry")',
  ],
  ['message that is not an object', () => setNx.once('m1' as never, ok), 'message must be an object (got a string)'],
  ['empty message id', () => setNx.once({ id: '' }, ok), 'message.id must be a non-empty string (got "")'],
  [
    'empty partition',
    () => setNx.once({ id: 'm', partition: '' }, ok),
    'message.partition must be a non-empty string (got "")',
  ],
  [
    'high-water id that is not a stream id',
    () => highWater.once({ id: 'm1' }, ok),
    'message.id must be a stream id "<ms>-<seq>" for high-water (got "m1")',
  ],
  [
    'effect that is not a function',
    () => setNx.once({ id: 'm' }, 'pay' as never),
    'effect must be a function (got a string)',
  ],
  [
    'signal that is not an AbortSignal',
    () => setNx.once({ id: 'm' }, ok, 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'Redis effect that is not an array',
    () => setNx.onceInRedis({ id: 'm' }, {} as never),
    'effect must be an array of Redis commands (got an object)',
  ],
  [
    'Redis effect command without a key',
    () => setNx.onceInRedis({ id: 'm' }, [{ command: 'INCR' } as never]),
    'effect[0].key must be a non-empty string (got undefined)',
  ],
  [
    'Redis effect args that are not an array',
    () => setNx.onceInRedis({ id: 'm' }, [{ command: 'INCR', key: 'k', args: 1 as never }]),
    'effect[0].args must be an array (got a number)',
  ],
  [
    'empty prefix, naive version',
    () => naiveDedup(redis, { prefix: '', strategy: sx }),
    'options.prefix must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(DedupArgumentError);
    expect(isDedupError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
