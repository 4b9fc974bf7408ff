import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SessionArgumentError,
  isSessionError,
  sessionStore,
  type SessionData,
  type SessionStoreOptions,
} from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'sessionsargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const ok = (): SessionStoreOptions => ({ redis, ttlMs: 60_000 });
const id = 'A'.repeat(43);
// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  ['ttlMs 0', () => sessionStore({ ...ok(), ttlMs: 0 }), 'ttlMs must be a positive integer (got 0)'],
  ['negative ttlMs', () => sessionStore({ ...ok(), ttlMs: -1 }), 'ttlMs must be a positive integer (got -1)'],
  ['fractional ttlMs', () => sessionStore({ ...ok(), ttlMs: 1.5 }), 'ttlMs must be a positive integer (got 1.5)'],
  [
    'ttlMs as a string',
    () => sessionStore({ ...ok(), ttlMs: '60000' as unknown as number }),
    'ttlMs must be a positive integer (got "60000")',
  ],
  [
    'missing options',
    () => sessionStore(undefined as unknown as SessionStoreOptions),
    'options must be an object { redis, ttlMs } (got undefined)',
  ],
  [
    'not an ioredis client',
    () => sessionStore({ ...ok(), redis: {} as Redis }),
    'redis must be an ioredis client (got an object)',
  ],
  ['empty prefix', () => sessionStore({ ...ok(), prefix: '' }), 'prefix must be a non-empty string (got "")'],
  ['empty user id', () => sessionStore(ok()).create(''), 'userId must be a non-empty string (got "")'],
  [
    'user id that is not a string',
    () => sessionStore(ok()).create(7 as unknown as string),
    'userId must be a non-empty string (got 7)',
  ],
  [
    'data that is not an object',
    () => sessionStore(ok()).create('u', 'x' as unknown as SessionData),
    'data must be an object of string fields (got "x")',
  ],
  [
    'data that is an array',
    () => sessionStore(ok()).create('u', ['a'] as unknown as SessionData),
    'data must be an object of string fields (got an array)',
  ],
  [
    'a non-string field value',
    () => sessionStore(ok()).create('u', { cart: 3 } as unknown as SessionData),
    'data.cart must be a string (got 3)',
  ],
  [
    'a reserved field name',
    () => sessionStore(ok()).create('u', { _uid: 'mallory' }),
    'data field "_uid" must be a non-empty name not starting with "_" (reserved) (got "_uid")',
  ],
  ['an update with no field', () => sessionStore(ok()).update(id, {}), 'fields must set at least one field (got "{}")'],
  [
    'an update of a reserved field',
    () => sessionStore(ok()).update(id, { _uid: 'mallory' }),
    'fields field "_uid" must be a non-empty name not starting with "_" (reserved) (got "_uid")',
  ],
  [
    'an update with a null value',
    () => sessionStore(ok()).update(id, { cart: null } as unknown as SessionData),
    'fields.cart must be a string (got null)',
  ],
  [
    'revokeAll with an empty user id',
    () => sessionStore(ok()).revokeAll(''),
    'userId must be a non-empty string (got "")',
  ],
  ['list with an empty user id', () => sessionStore(ok()).list(''), 'userId must be a non-empty string (got "")'],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with SessionArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(SessionArgumentError);
      expect(isSessionError(err)).toBe(true);
      expect(isSessionError(err, 'argument')).toBe(true);
      expect(isSessionError(err, 'service')).toBe(false);
      expect((err as Error).name).toBe('SessionArgumentError');
      expect((err as Error).message).toBe(message);
    },
  );

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([]);
  });

  it("guards answer false for errors that are not the package's", () => {
    expect(isSessionError(new Error('x'))).toBe(false);
    expect(isSessionError(undefined)).toBe(false);
  });
});
