// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidationArgumentError,
  isInvalidationError,
  leasedCache,
  mixedWorkload,
  versionedCache,
  type Loader,
} from '../src/index.ts';
import { deleteAfterWrite, updateAfterWrite } from '../src/naive.ts';

let redis: Redis;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'invalidation_args' });
  redis = redisNs.client();
});
afterAll(() => redisNs?.close());

const loader: Loader<string> = async () => 'v';
const rows: Loader<{ value: string; version: number }> = async () => ({ value: 'v', version: 1 });
const ok = () => ({ redis, name: 'args', ttlMs: 1_000 });

const cases: Array<[string, () => unknown, string]> = [
  [
    'a loader that is not a function',
    () => versionedCache('sql' as never, ok()),
    'loader must be a function (got a string)',
  ],
  ['missing options', () => leasedCache(loader, undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => leasedCache(loader, { ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  ['empty name', () => versionedCache(rows, { ...ok(), name: '' }), 'options.name must be a non-empty string (got "")'],
  ['ttlMs of 0', () => versionedCache(rows, { ...ok(), ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'fractional ttlMs',
    () => deleteAfterWrite(loader, { ...ok(), ttlMs: 1.5 }),
    'options.ttlMs must be a positive integer (got 1.5)',
  ],
  [
    'clock that is not a Clock',
    () => updateAfterWrite(loader, { ...ok(), clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'leaseMs of -1',
    () => leasedCache(loader, { ...ok(), leaseMs: -1 }),
    'options.leaseMs must be a positive integer (got -1)',
  ],
  [
    'retryMs of 0',
    () => leasedCache(loader, { ...ok(), retryMs: 0 }),
    'options.retryMs must be a positive integer (got 0)',
  ],
  [
    'negative maxWaits',
    () => leasedCache(loader, { ...ok(), maxWaits: -2 }),
    'options.maxWaits must be a non-negative integer (got -2)',
  ],
  [
    'an empty key',
    () => leasedCache(loader, ok()).get(''),
    'key must be a non-empty string of at most 1024 characters (got "")',
  ],
  [
    'a key that is not a string',
    () => versionedCache(rows, ok()).get(7 as never),
    'key must be a non-empty string of at most 1024 characters (got 7)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => versionedCache(rows, ok()).get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'a version that is not an integer',
    () => versionedCache(rows, ok()).invalidate('k', 1.5),
    'version must be an integer (got 1.5)',
  ],
  [
    'a loader result without a version',
    () => versionedCache(async () => ({ value: 'v' }) as never, { ...ok(), name: 'args-nover' }).get('k'),
    'loader result must be { value, version } with an integer version (got an object)',
  ],
  [
    'a loader returning undefined',
    () => deleteAfterWrite(async () => undefined as never, { ...ok(), name: 'args-undef' }).get('k'),
    'value of "k" must not be undefined (return null for "not found") (got undefined)',
  ],
  [
    'a write ratio above 1',
    () => mixedWorkload({ seed: 1, keys: 3, ops: 3, writeRatio: 2 }),
    'options.writeRatio must be a number from 0 to 1 (got 2)',
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
    expect(err).toBeInstanceOf(InvalidationArgumentError);
    expect(isInvalidationError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
