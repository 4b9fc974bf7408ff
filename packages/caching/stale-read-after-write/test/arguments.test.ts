// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StaleReadAfterWriteArgumentError,
  bypassAfterWrite,
  isStaleReadAfterWriteError,
  measureLagMs,
  readYourWritesCache,
  versionTokens,
  type ReadYourWritesCache,
  type ReadYourWritesOptions,
  type Versioned,
} from '../src/index.ts';
import { createProfiles } from '../src/profiles.ts';
import { writeThenRead } from '../src/workload.ts';

let redisNs: RedisNamespace;
let redis: Redis;
let cache: ReadYourWritesCache<string>;
const loader = async (): Promise<Versioned<string>> => ({ value: 'v', version: 0 });
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'stale_read_after_write_args' }); // a key prefix of its own
  redis = redisNs.client();
  cache = readYourWritesCache(loader, base());
});
afterAll(() => redisNs?.close());

const base = (): ReadYourWritesOptions => ({
  primary: redis,
  name: 'args',
  ttlMs: 1_000,
  consistency: versionTokens(),
});
const make = (options: Partial<Record<keyof ReadYourWritesOptions, unknown>>) => () =>
  readYourWritesCache(loader, { ...base(), ...options } as never);

const cases: Array<[string, () => unknown, string]> = [
  [
    'loader that is not a function',
    () => readYourWritesCache('db' as never, base()),
    'loader must be a function (got a string)',
  ],
  [
    'missing options',
    () => readYourWritesCache(loader, undefined as never),
    'options must be an object (got undefined)',
  ],
  ['primary that is not a client', make({ primary: {} }), 'options.primary must be an ioredis client (got an object)'],
  [
    'reader that is not a client',
    make({ reader: 'replica' }),
    'options.reader must be an ioredis client (got a string)',
  ],
  ['empty name', make({ name: '' }), 'options.name must be a non-empty string (got "")'],
  ['ttlMs of zero', make({ ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  ['fractional ttlMs', make({ ttlMs: 1.5 }), 'options.ttlMs must be a positive integer (got 1.5)'],
  [
    'unknown invalidation',
    make({ invalidation: 'publish' }),
    'options.invalidation must be one of "delete", "ttl" (got "publish")',
  ],
  [
    'missing consistency',
    make({ consistency: undefined }),
    'options.consistency must be a strategy: writeThrough(), versionTokens() or bypassAfterWrite() (got undefined)',
  ],
  [
    'consistency given by name',
    make({ consistency: 'version-tokens' }),
    'options.consistency must be a strategy: writeThrough(), versionTokens() or bypassAfterWrite() (got a string)',
  ],
  ['clock that is not a Clock', make({ clock: {} }), 'options.clock must be a Clock (got an object)'],
  ['bypass without options', () => bypassAfterWrite(undefined as never), 'options must be an object (got undefined)'],
  [
    'bypass window of zero',
    () => bypassAfterWrite({ windowMs: 0 }),
    'options.windowMs must be a positive integer (got 0)',
  ],
  ['empty key', () => cache.get(''), 'key must be a non-empty string of at most 1024 characters (got "")'],
  [
    'key that is not a string',
    () => cache.session().read(7 as never),
    'key must be a non-empty string of at most 1024 characters (got 7)',
  ],
  [
    'signal that is not an AbortSignal',
    () => cache.get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'write without a version',
    () => cache.session().wrote('k', { value: 'v' } as never),
    'written must be { value, version } with an integer version (got an object)',
  ],
  [
    'token that is not a version',
    () => cache.session({ 'user-1': 'one' as never }),
    'tokens["user-1"] must be an integer version (got "one")',
  ],
  [
    'loader result without a version',
    () => readYourWritesCache(async () => 'v' as never, { ...base(), name: 'args-bad-loader' }).get('k'),
    'loader result must be { value, version } with an integer version (got "v")',
  ],
  ['empty probe key', () => measureLagMs(redis, redis, ''), 'probeKey must be a non-empty string (got "")'],
  [
    'profile count of zero',
    () => createProfiles({ query: async () => ({}) } as never, 0),
    'count must be a positive integer (got 0)',
  ],
  [
    'concurrency of zero',
    () => writeThenRead(cache, { query: async () => ({}) } as never, ['k'], { label: 'x', concurrency: 0 }),
    'options.concurrency must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(StaleReadAfterWriteArgumentError);
    expect(isStaleReadAfterWriteError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
