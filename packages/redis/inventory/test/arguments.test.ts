// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryArgumentError, inventory, isInventoryError, type Inventory } from '../src/index.ts';
import { naiveInventory } from '../src/naive.ts';
import { postgresInventory } from '../src/postgres-inventory.ts';
import { watchInventory } from '../src/watch-inventory.ts';

let redis: Redis;
let pool: pg.Pool;
let shop: Inventory;
let redisNs: RedisNamespace;
let db: PostgresDatabase;
const ok = { name: 'x', reservationTtlMs: 1_000 };
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'inventory_args' });
  db = await postgresDatabase({ name: 'inventory_args' });
  redis = redisNs.client();
  pool = db.pool();
  shop = inventory(redis, { name: 'arguments', reservationTtlMs: 60_000 });
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

const aborted = (): AbortSignal => AbortSignal.abort(new Error('checkout cancelled'));

const cases: Array<[string, () => unknown, string]> = [
  ['redis that is not a client', () => inventory({} as never, ok), 'redis must be an ioredis client (got an object)'],
  [
    'missing options',
    () => inventory(redis, undefined as never),
    'options must be an object { name, reservationTtlMs } (got undefined)',
  ],
  ['empty name', () => inventory(redis, { ...ok, name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'name that is not a string',
    () => inventory(redis, { ...ok, name: 42 as never }),
    'options.name must be a non-empty string (got 42)',
  ],
  [
    'missing reservation TTL',
    () => inventory(redis, { name: 'x' } as never),
    'options.reservationTtlMs must be a positive integer (got undefined)',
  ],
  [
    'zero reservation TTL',
    () => inventory(redis, { ...ok, reservationTtlMs: 0 }),
    'options.reservationTtlMs must be a positive integer (got 0)',
  ],
  [
    'fractional reservation TTL',
    () => inventory(redis, { ...ok, reservationTtlMs: 1.5 }),
    'options.reservationTtlMs must be a positive integer (got 1.5)',
  ],
  [
    'negative receipt TTL',
    () => inventory(redis, { ...ok, receiptTtlMs: -1 }),
    'options.receiptTtlMs must be a positive integer (got -1)',
  ],
  [
    'clock that is not a Clock',
    () => inventory(redis, { ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'clock that reads a fraction of a ms',
    () => inventory(redis, { ...ok, clock: { now: () => 1.5 } as never }).reserve('tv', 'o'),
    'clock.now() must return a non-negative integer of ms (got 1.5)',
  ],
  ['empty sku', () => shop.reserve('', 'order-1'), 'sku must be a non-empty string (got "")'],
  [
    'sku with a brace',
    () => shop.reserve('tv}', 'order-1'),
    'sku must not contain "{" or "}" (it is the hash tag of its keys) (got "tv}")',
  ],
  ['empty reservation id', () => shop.reserve('tv', ''), 'reservationId must be a non-empty string (got "")'],
  [
    'reservation id that is a number',
    () => shop.confirm('tv', 7 as never),
    'reservationId must be a non-empty string (got 7)',
  ],
  [
    'zero quantity',
    () => shop.reserve('tv', 'o', { quantity: 0 }),
    'options.quantity must be a positive integer (got 0)',
  ],
  [
    'fractional quantity',
    () => shop.reserve('tv', 'o', { quantity: 0.5 }),
    'options.quantity must be a positive integer (got 0.5)',
  ],
  [
    'call options that are a number',
    () => shop.release('tv', 'o', 5 as never),
    'options must be an object (got a number)',
  ],
  [
    'signal that is not an AbortSignal',
    () => shop.levels('tv', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['zero units to restock', () => shop.restock('tv', 0), 'units must be a positive integer (got 0)'],
  [
    'empty name, naive version',
    () => naiveInventory(redis, { ...ok, name: '' }),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'no connections for the WATCH version',
    () => watchInventory([], ok),
    'connections must be a non-empty array of ioredis clients (got an array)',
  ],
  ['pool that is not a pg.Pool', () => postgresInventory({} as never, ok), 'pool must be a pg.Pool (got an object)'],
  [
    'zero quantity, PostgreSQL version',
    () => postgresInventory(pool, ok).reserve('tv', 'o', { quantity: 0 }),
    'options.quantity must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(InventoryArgumentError);
    expect(isInventoryError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('rejects a call whose signal has already aborted with the signal’s reason, sending nothing', async () => {
    const signal = aborted();
    const err = await shop.reserve('aborted', 'order-1', { signal }).catch((e: unknown) => e);
    expect(err).toBe(signal.reason);
    expect(await redis.exists(`inventory:arguments:{aborted}`)).toBe(0);
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to SCAN patterns, so the pattern names the suite's prefix itself.
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisNs.prefix}*`, 'COUNT', 1_000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(found).toEqual([]);
  });
});
