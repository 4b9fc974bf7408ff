import type { Clock, RateLimiter } from '../src/index.ts';

/** A clock the test moves by hand: requests land at exact milliseconds on the real Redis. */
export interface FakeClock extends Clock {
  set(ms: number): void;
}

export function fakeClock(start: number): FakeClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms) };
}

/** An epoch-aligned start, so window edges of 1 s and 60 s fall on T0 + k * window. */
export const T0 = 1_800_000_000_000;

/** Fires `n` consumes at once (one call each) and counts the admitted ones. */
export async function burst(limiter: RateLimiter, key: string, n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
  return results.filter((r) => r.allowed).length;
}
