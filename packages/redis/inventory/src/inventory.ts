// Stock reservation that never oversells: each reserve, confirm and release is ONE Lua script run, so
// "are there enough units?" and "take them" happen with nothing from another buyer in between. A hold
// lasts reservationTtlMs and its units return to stock once its time is up (on the server's clock, or an
// injected one); every script is idempotent per reservation id, so a re-sent or retried call is harmless.
import type { Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import {
  ReservationConflictError,
  ReservationExpiredError,
  ReservationNotFoundError,
  check,
  redisCall,
  type ReservationState,
} from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

export interface InventoryOptions {
  /** Names this inventory: its keys start with "inventory:<name>:". */
  name: string;
  /** How long a reservation holds its units before they go back to stock. */
  reservationTtlMs: number;
  /** How long a reservation id is remembered after its hold ends, so a late retry is recognised (default 24 h). */
  receiptTtlMs?: number;
  /**
   * Where "now" comes from when deciding expiry. Default: the Redis server's own clock (TIME, read inside
   * each script), so every application process agrees whatever its own clock says. A test passes a
   * ManualClock from @poc/kit; only now() is read.
   */
  clock?: Clock;
}

export interface Reservation {
  sku: string;
  reservationId: string;
  quantity: number;
  /** When the hold ends (epoch ms, on the clock that decides expiry). */
  expiresAt: number;
}

/** Sold out is an answer, not an error. `available` is what the SKU had left right after the call. */
export type ReserveResult =
  { reserved: true; reservation: Reservation; available: number } | { reserved: false; available: number };

export interface StockLevels {
  /** Units anyone can reserve. */
  available: number;
  /** Units held by reservations that have not ended. */
  reserved: number;
  /** Units of confirmed reservations. */
  sold: number;
}

export interface CallOptions {
  /** An aborted signal stops the call before anything is sent (each call is one round trip). */
  signal?: AbortSignal;
}

export interface ReserveOptions extends CallOptions {
  /** Units to hold, all or none (default 1). */
  quantity?: number;
}

export interface Settled<S extends 'confirmed' | 'released' | 'expired'> {
  state: S;
  quantity: number;
}

/** Anything that takes units of a SKU for a reservation id: this inventory, and the variants it is compared with. */
export interface Reserver {
  reserve(sku: string, reservationId: string, options?: ReserveOptions): Promise<ReserveResult>;
}

export interface Inventory extends Reserver {
  readonly name: string;
  readonly reservationTtlMs: number;
  /** Adds `units` to what is available; resolves to the new available count. */
  restock(sku: string, units: number, options?: CallOptions): Promise<number>;
  /**
   * Holds `quantity` units for `reservationId` until `expiresAt`, if that many are available. The same id
   * again (a retry) answers the same hold and takes nothing more; an id used up before throws
   * ReservationConflictError.
   */
  reserve(sku: string, reservationId: string, options?: ReserveOptions): Promise<ReserveResult>;
  /** The units become sold. Too late (the hold ended): ReservationExpiredError. Again: the same answer. */
  confirm(sku: string, reservationId: string, options?: CallOptions): Promise<Settled<'confirmed'>>;
  /** The units go back to stock now; a hold that had already ended answers 'expired'. Again: the same answer. */
  release(sku: string, reservationId: string, options?: CallOptions): Promise<Settled<'released' | 'expired'>>;
  /** The SKU's levels, after giving back the units of ended holds (call it on a timer to sweep). */
  levels(sku: string, options?: CallOptions): Promise<StockLevels>;
}

/** The keys of one SKU (and of one reservation's receipt). All share the hash tag {sku}: one cluster slot. */
export function inventoryKeys(name: string, sku: string, reservationId = '') {
  const base = `inventory:${name}:{${sku}}`;
  return {
    levels: base,
    deadlines: `${base}:deadlines`,
    holds: `${base}:holds`,
    receipt: `${base}:receipt:${reservationId}`,
  };
}

const DAY_MS = 86_400_000;

/** What the operations work with, checked once. */
export interface Context {
  readonly redis: Redis;
  readonly name: string;
  readonly reservationTtlMs: number;
  readonly receiptTtlMs: number;
  readonly clock: Clock | undefined;
}

/** Checks the client and the options; the variants (naive, WATCH, PostgreSQL) take the same and are checked here too. */
export function checkOptions(options: InventoryOptions): Omit<Context, 'redis'> {
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { name, reservationTtlMs }',
    options,
  );
  check.name('options.name', options.name);
  check.positiveInt('options.reservationTtlMs', options.reservationTtlMs);
  const receiptTtlMs = options.receiptTtlMs ?? DAY_MS;
  check.positiveInt('options.receiptTtlMs', receiptTtlMs);
  const clock = options.clock;
  if (clock !== undefined) check.kind(hasMethods(clock, 'now'), 'options.clock', 'must be a Clock', clock);
  return { name: options.name, reservationTtlMs: options.reservationTtlMs, receiptTtlMs, clock };
}

export function createContext(redis: Redis, options: InventoryOptions): Context {
  check.kind(hasMethods(redis, 'evalsha', 'hget'), 'redis', 'must be an ioredis client', redis);
  return { redis, ...checkOptions(options) };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
export const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** The checks every call makes before it sends anything. */
export function checkCall(sku: unknown, reservationId: unknown, options: unknown): asserts sku is string {
  check.name('sku', sku);
  check.that(!/[{}]/.test(sku), 'sku', 'must not contain "{" or "}" (it is the hash tag of its keys)', sku);
  if (reservationId !== undefined) check.name('reservationId', reservationId);
  check.options('options', options);
  const signal = (options as CallOptions | undefined)?.signal;
  check.signal('options.signal', signal);
  signal?.throwIfAborted();
}

/** The quantity of a reserve call, checked. */
export function quantityOf(options: ReserveOptions | undefined): number {
  const quantity = options?.quantity ?? 1;
  check.positiveInt('options.quantity', quantity);
  return quantity;
}

/** "now" for a script: the injected clock's reading, or '' for the server's own clock. */
export function nowArg(clock: Clock | undefined): number | '' {
  if (clock === undefined) return '';
  const now = clock.now();
  check.that(Number.isSafeInteger(now) && now >= 0, 'clock.now()', 'must return a non-negative integer of ms', now);
  return now;
}

type Reply = [string, ...Array<string | number>];

/** The Lua version: what src/index.ts exports as the pattern. */
export function inventory(redis: Redis, options: InventoryOptions): Inventory {
  const c = createContext(redis, options);
  const keysOf = (sku: string, id = ''): string[] => {
    const k = inventoryKeys(c.name, sku, id);
    return [k.levels, k.deadlines, k.holds, k.receipt];
  };
  const ref = (sku: string, reservationId: string) => ({ sku, reservationId });

  const settle = async (sku: string, reservationId: string, action: 'confirm' | 'release'): Promise<Reply> =>
    (await redisCall(`${action} of reservation "${reservationId}" of "${sku}"`, () =>
      runScript(c.redis, luaScript('settle-4.lua'), keysOf(sku, reservationId), [
        reservationId,
        action,
        c.receiptTtlMs,
        nowArg(c.clock),
      ]),
    )) as Reply;

  return {
    name: c.name,
    reservationTtlMs: c.reservationTtlMs,

    async restock(sku, units, options) {
      checkCall(sku, undefined, options);
      check.positiveInt('units', units);
      return redisCall(`restocking "${sku}"`, () =>
        c.redis.hincrby(inventoryKeys(c.name, sku).levels, 'available', units),
      );
    },

    async reserve(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const quantity = quantityOf(options);
      const now = nowArg(c.clock);
      const reply = (await redisCall(`reserving ${quantity} of "${sku}" for "${reservationId}"`, () =>
        runScript(c.redis, luaScript('reserve-4.lua'), keysOf(sku, reservationId), [
          reservationId,
          quantity,
          c.reservationTtlMs,
          c.receiptTtlMs,
          now,
        ]),
      )) as Reply;
      const [outcome, a, b] = reply;
      if (outcome === 'reserved')
        return {
          reserved: true,
          reservation: { sku, reservationId, quantity, expiresAt: Number(a) },
          available: Number(b),
        };
      if (outcome === 'sold-out') return { reserved: false, available: Number(a) };
      const state = a as ReservationState;
      throw new ReservationConflictError(
        ref(sku, reservationId),
        state,
        state === 'held'
          ? `already holds ${String(b)} units, not ${quantity}: a reservation id names one request`
          : `was already ${state}: a reservation id reserves once`,
      );
    },

    async confirm(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const [outcome, a] = await settle(sku, reservationId, 'confirm');
      if (outcome === 'confirmed') return { state: 'confirmed', quantity: Number(a) };
      if (outcome === 'expired') throw new ReservationExpiredError(ref(sku, reservationId), Number(a));
      if (outcome === 'not-found') throw new ReservationNotFoundError(ref(sku, reservationId));
      throw new ReservationConflictError(ref(sku, reservationId), 'released', 'was released: it cannot be confirmed');
    },

    async release(sku, reservationId, options) {
      checkCall(sku, reservationId, options);
      const [outcome, a, b] = await settle(sku, reservationId, 'release');
      if (outcome === 'released') return { state: 'released', quantity: Number(a) };
      if (outcome === 'expired') return { state: 'expired', quantity: Number(b) };
      if (outcome === 'not-found') throw new ReservationNotFoundError(ref(sku, reservationId));
      throw new ReservationConflictError(
        ref(sku, reservationId),
        'confirmed',
        'was confirmed: sold units are not released',
      );
    },

    async levels(sku, options) {
      checkCall(sku, undefined, options);
      const k = inventoryKeys(c.name, sku);
      const [available, reserved, sold] = (await redisCall(`reading the levels of "${sku}"`, () =>
        runScript(c.redis, luaScript('levels-3.lua'), [k.levels, k.deadlines, k.holds], [nowArg(c.clock)]),
      )) as number[];
      return { available: available!, reserved: reserved!, sold: sold! };
    },
  };
}
