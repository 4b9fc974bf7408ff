// What people write first: one awaited command per step. Correct alone, but it costs N + 1 round trips,
// and between any two of them another client can read a half-applied operation or change the counter.
// Same interface as the pattern (src/steps.ts). Not exported from the main entry: import it from
// 'poc-redis-lua-performance/naive'.
import type { Redis } from 'ioredis';
import { operation, type Design, type NStepOperation, type NStepOptions } from './steps.ts';

export const ROUND_TRIPS: Design = {
  strategy: 'round-trips',
  atomic: false,
  roundTrips: (n) => n + 1,
  async send(redis, key, amounts) {
    const steps: number[] = [];
    for (const [i, a] of amounts.entries()) {
      try {
        steps.push(await redis.incrby(key, a));
      } catch (e) {
        throw new Error(`step ${i + 1} of ${amounts.length}: ${(e as Error).message}`, { cause: e });
      }
    }
    return { steps, value: Number(await redis.get(key)) };
  },
};

/** One command, one round trip, per step; then the read. */
export const roundTripSteps = (redis: Redis, options?: NStepOptions): NStepOperation =>
  operation(ROUND_TRIPS, redis, options);
