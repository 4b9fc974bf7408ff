import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheArgumentError, CacheValueError, cacheAside, isCacheError, type CacheAsideOptions } from '../src/index.ts';
import { catalogService } from '../src/catalog.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'kvargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('bad options', () => {
  const cases: Array<[string, Partial<CacheAsideOptions<unknown>>, string]> = [
    ['ttlMs negative', { ttlMs: -5 }, 'ttlMs must be a positive integer (got -5)'],
    ['ttlMs zero', { ttlMs: 0 }, 'ttlMs must be a positive integer (got 0)'],
    ['ttlMs fractional', { ttlMs: 1.5 }, 'ttlMs must be a positive integer (got 1.5)'],
    ['ttlMs a string', { ttlMs: '100' as unknown as number }, 'ttlMs must be a positive integer (got "100")'],
    [
      'redis missing',
      { redis: undefined as unknown as Redis },
      'redis must be an ioredis client (with get, set and del) (got undefined)',
    ],
    [
      'redis a URL',
      { redis: 'redis://x' as unknown as Redis },
      'redis must be an ioredis client (with get, set and del) (got a string)',
    ],
    [
      'keyPrefix a number',
      { keyPrefix: 7 as unknown as string },
      'keyPrefix must be a string of at most 256 characters (got 7)',
    ],
    [
      'serialize without parse',
      { serialize: { stringify: String } as never },
      'serialize must be an object with stringify(value) and parse(raw) functions (got an object)',
    ],
    ['onFallback not a function', { onFallback: 'log' as never }, 'onFallback must be a function (got a string)'],
  ];
  for (const [name, patch, message] of cases) {
    it(`rejects ${name} with CacheArgumentError`, () => {
      const err = thrown(() => cacheAside({ redis, ttlMs: 1_000, ...patch }));
      expect(err).toBeInstanceOf(CacheArgumentError);
      expect(isCacheError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('CacheArgumentError');
    });
  }

  it('rejects a missing options object', () => {
    expect(() => cacheAside(undefined as never)).toThrow('options must be an object (got undefined)');
  });
});

describe('bad calls', () => {
  const cache = () => cacheAside<number>({ redis, ttlMs: 1_000 });

  it('rejects an empty key before sending anything', async () => {
    await expect(cache().readThrough('', () => 1)).rejects.toThrow(
      new CacheArgumentError('key must be a non-empty string of at most 1024 characters (got "")'),
    );
    await expect(cache().invalidate('')).rejects.toThrow(
      'key must be a non-empty string of at most 1024 characters (got "")',
    );
  });

  it('rejects a key that is not a string or too long', async () => {
    await expect(cache().readThrough(42 as unknown as string, () => 1)).rejects.toThrow(
      'key must be a non-empty string of at most 1024 characters (got 42)',
    );
    const err = await cache()
      .invalidate('k'.repeat(1_025))
      .catch((e: unknown) => e);
    expect(isCacheError(err, 'argument')).toBe(true);
  });

  it('rejects a loader that is not a function', async () => {
    const err = await cache()
      .readThrough('k', 5 as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheArgumentError);
    expect((err as Error).message).toBe(
      'loader must be a function returning the value (or a promise of it) (got a number)',
    );
  });

  it('rejects a value the serializer cannot encode with CacheValueError, storing nothing', async () => {
    const c = cacheAside<{ n: bigint }>({ redis, ttlMs: 1_000 });
    const err = await c.readThrough('big', () => ({ n: 1n })).catch((e: unknown) => e);
    expect(isCacheError(err, 'value')).toBe(true);
    expect((err as Error).message).toBe(
      'the value for "cache:big" could not be serialized: Do not know how to serialize a BigInt',
    );
    expect(err).toBeInstanceOf(CacheValueError);
    expect(await redis.exists('cache:big')).toBe(0);
  });

  it('rejects a bad order before touching the database', async () => {
    const shop = catalogService({} as pg.Pool, cache() as never);
    await expect(shop.recordOrder(0, 1)).rejects.toThrow('productId must be a positive integer (got 0)');
    await expect(shop.recordOrder(1, -2)).rejects.toThrow('quantity must be a positive integer (got -2)');
  });
});
