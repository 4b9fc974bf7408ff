// One N-step operation — add N amounts to a counter (N INCRBYs), then read it (GET) — sent four ways that
// return the same result and differ in round trips and in what another client can see in between:
//   lua        one EVALSHA of src/lua/apply-1.lua: 1 round trip, atomic (nothing runs between the steps);
//   multi      MULTI, the N + 1 commands, EXEC in one write: 1 round trip, atomic (queued, run together);
//   pipeline   the N + 1 commands in one write: 1 round trip, NOT atomic (others' commands may run between);
//   round trips (src/naive.ts) one command at a time: N + 1 round trips, not atomic.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

export type Strategy = 'lua' | 'multi' | 'pipeline' | 'round-trips';

export interface StepsResult {
  /** Each step's reply: the counter after that INCRBY, in order. */
  steps: number[];
  /** The counter as GET read it after the last step. */
  value: number;
}

export interface NStepOperation {
  readonly strategy: Strategy;
  /** Whether another client can never see, nor act, between the steps of one apply(). */
  readonly atomic: boolean;
  /** Round trips one apply() of `n` steps costs. */
  roundTrips(n: number): number;
  /**
   * Adds each amount to the counter at `key`, one INCRBY per amount, then reads it. A signal aborted
   * before anything is sent stops it; once sent, the steps run (and none of the four ways rolls back a
   * step that was applied before a failing one).
   */
  apply(key: string, amounts: readonly number[], signal?: AbortSignal): Promise<StepsResult>;
}

export interface NStepOptions {
  /** Most steps one apply() takes (default 10 000): one call's size, and how long it holds the server. */
  maxSteps?: number;
}

export const DEFAULT_MAX_STEPS = 10_000;

/** A way of sending the steps: what differs between the four. */
export interface Design {
  strategy: Strategy;
  atomic: boolean;
  roundTrips(n: number): number;
  send(redis: Redis, key: string, amounts: readonly number[]): Promise<StepsResult>;
}

/** Checks the client and the options once, then each call's arguments; every server call goes through redisCall. */
export function operation(design: Design, redis: Redis, options: NStepOptions = {}): NStepOperation {
  check.kind(
    hasMethods(redis, 'evalsha', 'multi', 'pipeline', 'incrby', 'get'),
    'redis',
    'must be an ioredis client',
    redis,
  );
  check.options('options', options);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  check.positiveInt('options.maxSteps', maxSteps);
  return {
    strategy: design.strategy,
    atomic: design.atomic,
    roundTrips: (n) => design.roundTrips(n),
    async apply(key, amounts, signal) {
      check.name('key', key);
      check.kind(Array.isArray(amounts), 'amounts', 'must be an array of integers', amounts);
      check.intIn('amounts.length', amounts.length, 1, maxSteps);
      amounts.forEach((a, i) => check.that(Number.isSafeInteger(a), `amounts[${i}]`, 'must be a safe integer', a));
      check.signal('signal', signal);
      signal?.throwIfAborted();
      return redisCall(`applying ${amounts.length} steps to "${key}" (${design.strategy})`, () =>
        design.send(redis, key, amounts),
      );
    },
  };
}

/** A MULTI/EXEC or pipeline reply: [error, value] per command; the first error names its step. */
function fromBatch(replies: Array<[Error | null, unknown]> | null, n: number): StepsResult {
  if (replies === null) throw new Error('EXEC was aborted'); // only with WATCH, which this package does not use
  const failed = replies.findIndex(([err]) => err !== null);
  if (failed >= 0) {
    const what = failed < n ? `step ${failed + 1} of ${n}` : 'the read';
    throw new Error(`${what}: ${replies[failed]![0]!.message}`, { cause: replies[failed]![0] });
  }
  const values = replies.map(([, v]) => Number(v));
  return { steps: values.slice(0, n), value: values[n]! };
}

export const LUA: Design = {
  strategy: 'lua',
  atomic: true,
  roundTrips: () => 1,
  async send(redis, key, amounts) {
    const replies = (await runScript(redis, luaScript('apply-1.lua'), [key], amounts)) as number[];
    return { steps: replies.slice(0, amounts.length), value: replies[amounts.length]! };
  },
};

export const MULTI: Design = {
  strategy: 'multi',
  atomic: true,
  roundTrips: () => 1,
  async send(redis, key, amounts) {
    const tx = redis.multi();
    for (const a of amounts) tx.incrby(key, a);
    tx.get(key);
    return fromBatch(await tx.exec(), amounts.length);
  },
};

export const PIPELINE: Design = {
  strategy: 'pipeline',
  atomic: false,
  roundTrips: () => 1,
  async send(redis, key, amounts) {
    const batch = redis.pipeline();
    for (const a of amounts) batch.incrby(key, a);
    batch.get(key);
    return fromBatch(await batch.exec(), amounts.length);
  },
};

/** One script run (src/lua/apply-1.lua): one round trip, atomic. The pattern. */
export const luaSteps = (redis: Redis, options?: NStepOptions): NStepOperation => operation(LUA, redis, options);

/** MULTI … EXEC in one write: one round trip, atomic; a failed step does not stop the others. */
export const multiSteps = (redis: Redis, options?: NStepOptions): NStepOperation => operation(MULTI, redis, options);

/** The commands in one write, without MULTI: one round trip, not atomic. */
export const pipelineSteps = (redis: Redis, options?: NStepOptions): NStepOperation =>
  operation(PIPELINE, redis, options);

/** A client is recognised by its methods, so a copy of ioredis in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
