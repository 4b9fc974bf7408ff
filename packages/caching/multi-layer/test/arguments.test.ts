// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MultiLayerArgumentError,
  isMultiLayerError,
  multiLayerCache,
  type MultiLayerCache,
  type MultiLayerOptions,
} from '../src/index.ts';
import { naiveMultiLayerCache } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
let subscriber: Redis;
let subject: MultiLayerCache<string>;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'multi_layer_args' });
  redis = ns.client();
  subscriber = ns.client();
  subject = multiLayerCache(valid());
  await subject.start();
});
afterAll(async () => {
  await subject?.close();
  await ns?.close();
});

const valid = (): MultiLayerOptions<string> => ({
  loader: async (key) => key,
  redis,
  subscriber,
  name: 'arguments',
  l1: { max: 10, ttlMs: 1_000 },
  l2: { ttlMs: 1_000 },
});
const withOptions = (patch: Record<string, unknown>) => () => multiLayerCache({ ...valid(), ...patch } as never);

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => multiLayerCache(undefined as never), 'options must be an object (got undefined)'],
  ['loader that is not a function', withOptions({ loader: 'db' }), 'options.loader must be a function (got a string)'],
  ['redis that is not a client', withOptions({ redis: {} }), 'options.redis must be an ioredis client (got an object)'],
  [
    'subscriber that is not a client',
    withOptions({ subscriber: 7 }),
    'options.subscriber must be an ioredis client other than options.redis (got a number)',
  ],
  [
    'subscriber that is the command client',
    () => multiLayerCache({ ...valid(), subscriber: redis }),
    'options.subscriber must be an ioredis client other than options.redis (got a EventEmitter)',
  ],
  ['empty name', withOptions({ name: '' }), 'options.name must be a non-empty string (got "")'],
  ['missing l1', withOptions({ l1: undefined }), 'options.l1 must be an object (got undefined)'],
  ['l1.max of 0', withOptions({ l1: { max: 0, ttlMs: 1 } }), 'options.l1.max must be a positive integer (got 0)'],
  [
    'fractional l1.ttlMs',
    withOptions({ l1: { max: 1, ttlMs: 1.5 } }),
    'options.l1.ttlMs must be a positive integer (got 1.5)',
  ],
  ['missing l2', withOptions({ l2: null }), 'options.l2 must be an object (got null)'],
  ['negative l2.ttlMs', withOptions({ l2: { ttlMs: -1 } }), 'options.l2.ttlMs must be a positive integer (got -1)'],
  ['streamMaxLen of 0', withOptions({ streamMaxLen: 0 }), 'options.streamMaxLen must be a positive integer (got 0)'],
  ['clock that is not a Clock', withOptions({ clock: {} }), 'options.clock must be a Clock (got an object)'],
  [
    'onInvalidation that is not a function',
    withOptions({ onInvalidation: 'log' }),
    'options.onInvalidation must be a function (got a string)',
  ],
  ['empty key', () => subject.get(''), 'key must be a non-empty string (got "")'],
  ['key that is not a string', () => subject.invalidate(3 as never), 'key must be a non-empty string (got 3)'],
  [
    'get options that are not an object',
    () => subject.get('k', 'x' as never),
    'options must be an object (got a string)',
  ],
  [
    'signal that is not an AbortSignal',
    () => subject.get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'undefined value for set',
    () => subject.set('k', undefined as never),
    'value must not be undefined (got undefined)',
  ],
  [
    'loader returning undefined',
    async () => {
      const c = multiLayerCache({ ...valid(), subscriber: ns.client(), loader: async () => undefined as never });
      return c.get('nothing');
    },
    'loader must not return undefined (got undefined)',
  ],
  ['start() twice', () => subject.start(), 'start() must be called once, before serving (got "attached")'],
  [
    'l1.max of 0, naive version',
    () => naiveMultiLayerCache({ ...valid(), l1: { max: 0, ttlMs: 1 } }),
    'options.l1.max must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(MultiLayerArgumentError);
    expect(isMultiLayerError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
