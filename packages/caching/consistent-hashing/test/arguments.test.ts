// Bad input gets a clear, typed error that names the argument and the rule, with the exact message.
// `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConsistentHashingArgumentError,
  hashRing,
  isConsistentHashingError,
  jumpBucket,
  jumpHash,
  sampleKeys,
  shardedCache,
  type ShardedCache,
} from '../src/index.ts';
import { moduloHash } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
let cache: ShardedCache<string>;
const load = async (k: string): Promise<string> => k;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'consistent_hashing_args' });
  redis = ns.client();
  cache = shardedCache(load, { shards: { a: redis }, sharder: hashRing(['a']), ttlMs: 1_000 });
});
afterAll(() => ns?.close());

const cases: Array<[string, () => unknown, string]> = [
  ['no nodes', () => hashRing([]), 'nodes must be a non-empty array of non-empty strings (got an array)'],
  [
    'an empty node name',
    () => jumpHash(['a', '']),
    'nodes must be a non-empty array of non-empty strings (got an array)',
  ],
  ['a repeated node', () => moduloHash(['a', 'a']), 'nodes must not repeat a node (got "a")'],
  ['vnodes zero', () => hashRing(['a'], { vnodes: 0 }), 'options.vnodes must be an integer from 1 to 10000 (got 0)'],
  ['options not an object', () => hashRing(['a'], 5 as never), 'options must be an object (got a number)'],
  ['adding a node twice', () => hashRing(['a']).withNode('a'), 'node must not be in the ring already (got "a")'],
  ['removing an unknown node', () => hashRing(['a', 'b']).withoutNode('z'), 'node must be one of the nodes (got "z")'],
  ['removing the last node', () => jumpHash(['a']).withoutNode('a'), 'node must not be the last node (got "a")'],
  ['jump buckets zero', () => jumpBucket(1n, 0), 'buckets must be a positive integer (got 0)'],
  ['sample count zero', () => sampleKeys(0), 'count must be a positive integer (got 0)'],
  ['loader not a function', () => shardedCache('x' as never, {} as never), 'loader must be a function (got a string)'],
  ['missing options', () => shardedCache(load, undefined as never), 'options must be an object (got undefined)'],
  [
    'sharder not a Sharder',
    () => shardedCache(load, { shards: {}, sharder: {} as never, ttlMs: 1 }),
    'options.sharder must be a Sharder (got an object)',
  ],
  [
    'a node without a client',
    () => shardedCache(load, { shards: { a: redis }, sharder: hashRing(['a', 'b']), ttlMs: 1 }),
    'options.shards["b"] must be an ioredis client (got undefined)',
  ],
  [
    'ttlMs zero',
    () => shardedCache(load, { shards: { a: redis }, sharder: hashRing(['a']), ttlMs: 0 }),
    'options.ttlMs must be a positive integer (got 0)',
  ],
  ['an empty key', () => cache.get(''), 'key must be a non-empty string (got "")'],
  [
    'a signal that is not one',
    () => cache.get('k', { signal: 1 as never }),
    'options.signal must be an AbortSignal (got a number)',
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
    expect(err).toBeInstanceOf(ConsistentHashingArgumentError);
    expect(isConsistentHashingError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
