// The reservation as people first write it: read the available count, and if there is enough, decrement
// it, each a round trip of its own (the same keys as src/lua/reserve-4.lua). Between the read and the
// decrement other buyers read too, see the same count and all decrement: a flash sale of 100 units
// sells many more. And the decrement is not idempotent: when its reply is lost, ioredis re-sends it and
// the units are taken twice. Kept only to show both failures (tests, demo, bench); only under the
// 'poc-redis-inventory/naive' subpath, not the package index. Do not use.
import type { Redis } from 'ioredis';
import { redisCall } from './errors.ts';
import {
  checkCall,
  createContext,
  inventoryKeys,
  nowArg,
  quantityOf,
  type InventoryOptions,
  type Reserver,
} from './inventory.ts';

export function naiveInventory(redis: Redis, options: InventoryOptions): Reserver {
  const c = createContext(redis, options);
  return {
    async reserve(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const quantity = quantityOf(options);
      const k = inventoryKeys(c.name, sku, reservationId);
      const now = nowArg(c.clock);
      const expiresAt = (now === '' ? Date.now() : now) + c.reservationTtlMs;
      return redisCall(`naive reserve of ${quantity} "${sku}" for "${reservationId}"`, async () => {
        // <- every buyer who reads here before anyone's decrement below sees the same count
        const available = Number((await c.redis.hget(k.levels, 'available')) ?? '0');
        if (available < quantity) return { reserved: false, available };
        const left = await c.redis.hincrby(k.levels, 'available', -quantity);
        await c.redis
          .pipeline()
          .hincrby(k.levels, 'reserved', quantity)
          .zadd(k.deadlines, expiresAt, reservationId)
          .hset(k.holds, reservationId, quantity)
          .hset(k.receipt, { state: 'held', quantity, expiresAt })
          .pexpire(k.receipt, c.reservationTtlMs + c.receiptTtlMs)
          .exec();
        return { reserved: true, reservation: { sku, reservationId, quantity, expiresAt }, available: left };
      });
    },
  };
}
