// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StampedeArgumentError, isStampedeError, lockedCache, singleFlight, xfetchCache } from '../src/index.ts';
import { naiveCache } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'stampede_args' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const loader = (key: string): Promise<string> => Promise.resolve(key);
const ok = () => ({ redis, ttlMs: 1_000 });

const cases: Array<[string, () => unknown, string]> = [
  [
    'a loader that is not a function',
    () => lockedCache('sql' as never, ok()),
    'loader must be a function (got a string)',
  ],
  ['missing options', () => lockedCache(loader, undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => lockedCache(loader, { ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  ['a ttl of 0', () => lockedCache(loader, { ...ok(), ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'a fractional ttl',
    () => xfetchCache(loader, { ...ok(), ttlMs: 1.5 }),
    'options.ttlMs must be a positive integer (got 1.5)',
  ],
  [
    'a keyPrefix that is not a string',
    () => naiveCache(loader, { ...ok(), keyPrefix: 7 as never }),
    'options.keyPrefix must be a string (got 7)',
  ],
  [
    'a clock that is not a Clock',
    () => lockedCache(loader, { ...ok(), clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'a lockTtlMs of -1',
    () => lockedCache(loader, { ...ok(), lockTtlMs: -1 }),
    'options.lockTtlMs must be a positive integer (got -1)',
  ],
  [
    'a pollMs of 0',
    () => lockedCache(loader, { ...ok(), pollMs: 0 }),
    'options.pollMs must be a positive integer (got 0)',
  ],
  [
    'a waitMs that is not a number',
    () => lockedCache(loader, { ...ok(), waitMs: '1s' as never }),
    'options.waitMs must be a positive integer (got "1s")',
  ],
  ['a beta of 0', () => xfetchCache(loader, { ...ok(), beta: 0 }), 'options.beta must be a finite number > 0 (got 0)'],
  [
    'a random that is not a function',
    () => xfetchCache(loader, { ...ok(), random: 0.5 as never }),
    'options.random must be a function (got a number)',
  ],
  [
    'a random source out of (0, 1]',
    () => primed().then((c) => c.get('k')),
    'options.random() must return a number in (0, 1] (got 0)',
  ],
  ['an empty key', () => lockedCache(loader, ok()).get(''), 'key must be a non-empty string (got "")'],
  [
    'a key that is not a string',
    () => naiveCache(loader, ok()).get(42 as never),
    'key must be a non-empty string (got 42)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => xfetchCache(loader, ok()).get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['singleFlight of a non-function', () => singleFlight(null as never), 'loader must be a function (got null)'],
];

/** An xfetch cache with a stored entry, whose random source returns 0 (ln 0 is -Infinity). */
async function primed() {
  await xfetchCache(loader, { ...ok(), keyPrefix: 'primed:' }).get('k');
  return xfetchCache(loader, { ...ok(), keyPrefix: 'primed:', random: () => 0 });
}

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(StampedeArgumentError);
    expect(isStampedeError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
