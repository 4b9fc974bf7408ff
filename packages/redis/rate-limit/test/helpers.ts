import { ManualClock } from '@poc/kit';
import type { RateLimiter } from '../src/index.ts';

/** The kit's hand-moved clock, set to absolute times: requests land at exact milliseconds on the real Redis. */
export class FakeClock extends ManualClock {
  /** Moves forward to epoch ms `ms` (never back). */
  set(ms: number): Promise<void> {
    return this.advance(ms - this.now());
  }
}

export const fakeClock = (start: number): FakeClock => new FakeClock(start);

/** An epoch-aligned start, so window edges of 1 s and 60 s fall on T0 + k * window. */
export const T0 = 1_800_000_000_000;

/** Fires `n` consumes at once (one call each) and counts the admitted ones. */
export async function burst(limiter: RateLimiter, key: string, n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
  return results.filter((r) => r.allowed).length;
}
