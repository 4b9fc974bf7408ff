// The same reservation as src/lua/reserve-4.lua (same keys, same checks, same writes, idempotent per
// reservation id), done with optimistic locking instead of a script: WATCH the SKU's keys, read them,
// decide in the client, then MULTI ... EXEC the writes; EXEC does nothing and answers null when another
// client wrote a watched key in between, and the whole read-decide-write starts again. Correct, and the
// comparison the bench makes: on a hot SKU most attempts lose that race. WATCH belongs to a connection,
// so each reservation in flight needs a connection of its own: this takes a pool of them.
// Not exported from the package index (tests and the bench import it).
import type { Redis } from 'ioredis';
import { ReservationConflictError, check, redisCall, type ReservationState } from './errors.ts';
import {
  checkCall,
  checkOptions,
  hasMethods,
  inventoryKeys,
  nowArg,
  quantityOf,
  type InventoryOptions,
  type ReserveResult,
  type Reserver,
} from './inventory.ts';

async function serverNow(redis: Redis): Promise<number> {
  const [seconds, micros] = (await redis.time()).map(Number) as [number, number];
  return seconds * 1_000 + Math.floor(micros / 1_000);
}

export interface WatchInventory extends Reserver {
  /** EXECs that answered null (another client wrote a watched key) and were tried again. */
  readonly conflicts: number;
  /** EXECs that went through (a reservation made, or holds that ended given back). */
  readonly commits: number;
}

/** `connections`: one transaction runs on each at a time; callers beyond that wait for a free one. */
export function watchInventory(connections: readonly Redis[], options: InventoryOptions): WatchInventory {
  check.kind(
    Array.isArray(connections) && connections.length > 0 && connections.every((r) => hasMethods(r, 'watch', 'multi')),
    'connections',
    'must be a non-empty array of ioredis clients',
    connections,
  );
  const c = checkOptions(options);
  const idle = [...connections];
  const waiting: Array<(redis: Redis) => void> = [];
  const borrow = (): Promise<Redis> => {
    const free = idle.pop();
    return free ? Promise.resolve(free) : new Promise((resolve) => waiting.push(resolve));
  };
  const giveBack = (redis: Redis): void => {
    const next = waiting.shift();
    if (next) next(redis);
    else idle.push(redis);
  };
  let conflicts = 0;
  let commits = 0;

  /** One attempt; undefined when EXEC found a watched key changed. */
  async function attempt(redis: Redis, sku: string, id: string, quantity: number): Promise<ReserveResult | undefined> {
    const k = inventoryKeys(c.name, sku, id);
    const clock = nowArg(c.clock);
    // Without an injected clock, the server's: one more round trip (the script reads TIME where it runs).
    const now = clock === '' ? await serverNow(redis) : clock;
    await redis.watch(k.levels, k.deadlines, k.holds, k.receipt);
    const reads = (await redis
      .pipeline()
      .hget(k.levels, 'available')
      .zrangebyscore(k.deadlines, '-inf', now)
      .hget(k.holds, id)
      .zscore(k.deadlines, id)
      .hmget(k.receipt, 'state', 'quantity')
      .exec())!.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const [availableRaw, expired, heldRaw, deadline, receipt] = reads as [
      string | null,
      string[],
      string | null,
      string | null,
      Array<string | null>,
    ];
    const units = expired.length > 0 ? (await redis.hmget(k.holds, ...expired)).map(Number) : [];
    const returned = units.reduce((a, b) => a + b, 0);
    let available = Number(availableRaw ?? '0') + returned;

    // Decide in the client, from what was read under WATCH.
    const stillHeld = heldRaw !== null && !expired.includes(id);
    let answer: ReserveResult | ReservationConflictError;
    let take = 0;
    if (stillHeld && Number(heldRaw) !== quantity) {
      answer = new ReservationConflictError(
        { sku, reservationId: id },
        'held',
        `already holds ${heldRaw} units, not ${quantity}: a reservation id names one request`,
      );
    } else if (stillHeld) {
      const reservation = { sku, reservationId: id, quantity, expiresAt: Number(deadline) };
      answer = { reserved: true, reservation, available };
    } else if (receipt[0] !== null) {
      const state = (receipt[0] === 'held' ? 'expired' : receipt[0]) as ReservationState;
      const detail = `was already ${state}: a reservation id reserves once`;
      answer = new ReservationConflictError({ sku, reservationId: id }, state, detail);
    } else if (available < quantity) {
      answer = { reserved: false, available };
    } else {
      take = quantity;
      available -= quantity;
      const reservation = { sku, reservationId: id, quantity, expiresAt: now + c.reservationTtlMs };
      answer = { reserved: true, reservation, available };
    }

    if (expired.length === 0 && take === 0) {
      await redis.unwatch();
    } else {
      const tx = redis.multi();
      if (expired.length > 0) {
        tx.hincrby(k.levels, 'available', returned).hincrby(k.levels, 'reserved', -returned);
        tx.hdel(k.holds, ...expired).zrem(k.deadlines, ...expired);
      }
      if (take > 0) {
        const expiresAt = now + c.reservationTtlMs;
        tx.hincrby(k.levels, 'available', -take).hincrby(k.levels, 'reserved', take);
        tx.zadd(k.deadlines, expiresAt, id).hset(k.holds, id, take);
        tx.hset(k.receipt, { state: 'held', quantity: take, expiresAt });
        tx.pexpire(k.receipt, c.reservationTtlMs + c.receiptTtlMs);
      }
      const result = await tx.exec(); // null: a watched key changed since WATCH, nothing was written
      if (result === null) return undefined;
      for (const [err] of result) if (err) throw err;
      commits++;
    }
    if (answer instanceof ReservationConflictError) throw answer;
    return answer;
  }

  return {
    get conflicts() {
      return conflicts;
    },
    get commits() {
      return commits;
    },
    async reserve(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const quantity = quantityOf(options);
      const redis = await borrow();
      try {
        // Every null EXEC means another client's transaction went through, so the sale as a whole progresses;
        // one caller can still lose many times in a row. The signal is how a caller gives up.
        for (;;) {
          options?.signal?.throwIfAborted();
          const answer = await redisCall(`reserving ${quantity} of "${sku}" for "${reservationId}" (WATCH)`, () =>
            attempt(redis, sku, reservationId, quantity),
          );
          if (answer) return answer;
          conflicts++;
        }
      } finally {
        giveBack(redis);
      }
    },
  };
}
