// Back-off schedules as data: a strategy is a record { kind, baseMs, capMs }, and backoffDelay() turns it
// into the wait before retry n. Pure functions of (strategy, retry number, previous delay, random), so a
// test pins every value with an injected random source. The formulas are those of Marc Brooker's
// "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

export const BACKOFF_KINDS = ['none', 'exponential', 'full', 'equal', 'decorrelated'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export interface Backoff {
  /**
   * - `none`: a constant baseMs before every retry (no growth, no jitter);
   * - `exponential`: min(cap, base·2^(n-1)), no jitter: clients that failed together retry together;
   * - `full`: random in [0, min(cap, base·2^(n-1)));
   * - `equal`: half of min(cap, base·2^(n-1)) plus a random share of the other half;
   * - `decorrelated`: min(cap, random in [base, 3·previous)), previous starting at base.
   */
  kind: BackoffKind;
  /** The first step, in ms (>= 0). */
  baseMs: number;
  /** No delay is longer than this, in ms (>= baseMs). Ignored by `none`. */
  capMs: number;
}

/** A number in [0, 1), as Math.random gives. */
export type Random = () => number;

/**
 * The wait before retry `retry` (1 for the first retry). `previousMs` is the delay returned for the
 * retry before (only `decorrelated` uses it; pass baseMs, or nothing, for the first).
 */
export function backoffDelay(
  backoff: Backoff,
  retry: number,
  previousMs: number = backoff.baseMs,
  random: Random = Math.random,
): number {
  const { kind, baseMs, capMs } = backoff;
  const exponential = Math.min(capMs, baseMs * 2 ** (retry - 1));
  switch (kind) {
    case 'none':
      return baseMs;
    case 'exponential':
      return exponential;
    case 'full':
      return random() * exponential;
    case 'equal':
      return exponential / 2 + (random() * exponential) / 2;
    case 'decorrelated':
      return Math.min(capMs, baseMs + random() * (Math.max(baseMs, previousMs) * 3 - baseMs));
  }
}

/** The delays before retries 1..retries, each from the one before: what one client would wait. */
export function backoffSchedule(backoff: Backoff, retries: number, random: Random = Math.random): number[] {
  const delays: number[] = [];
  let previous = backoff.baseMs;
  for (let n = 1; n <= retries; n++) {
    previous = backoffDelay(backoff, n, previous, random);
    delays.push(previous);
  }
  return delays;
}
