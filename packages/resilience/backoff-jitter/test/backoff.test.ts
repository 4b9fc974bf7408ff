// The schedules are pure: every value pinned with an injected random source, at random = 0, 0.5, just
// under 1, and where the cap takes over. ALMOST_ONE = 1 - 2^-10 keeps every product exact in binary.
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffSchedule, type Backoff, type BackoffKind } from '../src/index.ts';

const ALMOST_ONE = 1 - 2 ** -10; // 0.9990234375
const strategy = (kind: BackoffKind): Backoff => ({ kind, baseMs: 10, capMs: 100 });

// [kind, retry, previousMs, random, expected ms]
const table: Array<[BackoffKind, number, number, number, number]> = [
  ['none', 1, 10, 0.5, 10],
  ['none', 9, 10, ALMOST_ONE, 10], // never grows, never jitters
  ['exponential', 1, 10, 0.5, 10],
  ['exponential', 3, 10, 0, 40], // random is ignored
  ['exponential', 4, 10, ALMOST_ONE, 80],
  ['exponential', 5, 10, 0.5, 100], // 160 capped
  ['exponential', 40, 10, 0.5, 100], // 2^39 steps, still the cap
  ['full', 3, 10, 0, 0],
  ['full', 3, 10, 0.5, 20],
  ['full', 3, 10, ALMOST_ONE, 39.9609375],
  ['full', 4, 10, ALMOST_ONE, 79.921875], // just under the uncapped step
  ['full', 5, 10, ALMOST_ONE, 99.90234375], // just under the cap
  ['full', 5, 10, 0.5, 50],
  ['equal', 3, 10, 0, 20], // never below half the step
  ['equal', 3, 10, 0.5, 30],
  ['equal', 3, 10, ALMOST_ONE, 39.98046875],
  ['equal', 5, 10, 0, 50], // half the cap
  ['equal', 5, 10, ALMOST_ONE, 99.951171875],
  ['decorrelated', 1, 10, 0, 10], // never below base
  ['decorrelated', 1, 10, 0.5, 20], // base + 0.5 * (3*10 - base)
  ['decorrelated', 1, 10, ALMOST_ONE, 29.98046875],
  ['decorrelated', 2, 30, 0.5, 50], // grows from the previous delay, not from the retry number
  ['decorrelated', 7, 30, 0.5, 50], // ... so the retry number does not matter
  ['decorrelated', 2, 40, 0.5, 65],
  ['decorrelated', 2, 40, ALMOST_ONE, 100], // 119.89 capped
  ['decorrelated', 2, 5, 0.5, 20], // a previous below base counts as base
];

describe('backoffDelay', () => {
  it.each(table)('%s, retry %i after %i ms, random %d: %d ms', (kind, retry, previous, random, expected) => {
    expect(backoffDelay(strategy(kind), retry, previous, () => random)).toBe(expected);
  });

  it('never exceeds the cap, whatever the kind and the random value', () => {
    for (const kind of ['none', 'exponential', 'full', 'equal', 'decorrelated'] as const) {
      for (const random of [0, 0.25, 0.5, ALMOST_ONE]) {
        for (let retry = 1; retry <= 20; retry++) {
          expect(backoffDelay(strategy(kind), retry, 100, () => random)).toBeLessThanOrEqual(100);
        }
      }
    }
  });
});

describe('backoffSchedule', () => {
  it('chains decorrelated delays, each from the one before, until the cap', () => {
    expect(backoffSchedule(strategy('decorrelated'), 5, () => 0.5)).toEqual([20, 35, 57.5, 91.25, 100]);
  });

  it('gives no-jitter clients identical schedules, and jittered ones different schedules', () => {
    const randoms = [0.1, 0.9];
    const of = (kind: BackoffKind, r: number): number[] => backoffSchedule(strategy(kind), 6, () => r);
    expect(of('exponential', randoms[0]!)).toEqual([10, 20, 40, 80, 100, 100]);
    expect(of('exponential', randoms[0]!)).toEqual(of('exponential', randoms[1]!));
    expect(of('full', randoms[0]!)).not.toEqual(of('full', randoms[1]!));
  });
});
