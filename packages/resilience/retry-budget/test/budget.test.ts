// The budget's accounting as a state machine: a ManualClock moves time, counts are exact, and each
// threshold is tested on both sides.
import { ManualClock, execute } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { retryBudget, type RetryBudget } from '../src/index.ts';

const requests = async (budget: RetryBudget, n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await execute(budget(async () => 'ok'));
};
const drain = (budget: RetryBudget): number => {
  let n = 0;
  while (n < 10_000 && budget.allowRetry()) n++; // bounded, so a budget that never refuses fails instead of hanging
  return n;
};

describe('retryBudget accounting', () => {
  // [ratio, requests in the window, retries it allows]
  const table: Array<[number, number, number]> = [
    [0.1, 0, 0],
    [0.1, 9, 0], // 0.9 of a retry: not yet one
    [0.1, 10, 1],
    [0.1, 19, 1],
    [0.1, 20, 2],
    [0.1, 30, 3],
    [0.57, 100, 57], // 0.57 x 100 = 56.99999999999999 in floating point
    [0.2, 5, 1],
    [0.5, 7, 3],
    [1, 4, 4],
    [0, 1_000, 0],
  ];
  it.each(table)('ratio %d after %i requests allows %i retries, then refuses', async (ratio, n, allowed) => {
    const budget = retryBudget({ ratio, minPerSecond: 0, clock: new ManualClock() });
    await requests(budget, n);
    expect(budget.stats().available).toBe(allowed);
    expect(drain(budget)).toBe(allowed);
    expect(budget.stats()).toEqual({ requests: n, retriesAllowed: allowed, retriesRefused: 1, available: 0 });
  });

  it('grants minPerSecond x window seconds with no request at all (the reserve)', () => {
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 2, windowMs: 5_000, clock: new ManualClock() });
    expect(drain(budget)).toBe(10);
  });

  it('a retry spends what requests deposited: interleaved, one in ten goes through', async () => {
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, clock: new ManualClock() });
    let allowed = 0;
    for (let i = 1; i <= 100; i++) {
      await requests(budget, 1);
      if (budget.allowRetry()) allowed++; // every request fails and wants a retry: an outage
    }
    expect(allowed).toBe(10);
    expect(budget.stats()).toMatchObject({ requests: 100, retriesAllowed: 10, retriesRefused: 90 });
  });

  it('forgets requests and retries once the window has passed (in tenths of the window)', async () => {
    const clock = new ManualClock(0);
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, windowMs: 1_000, clock });
    await requests(budget, 20); // in slot 0: [0, 100) ms
    expect(budget.allowRetry()).toBe(true); // spends 1 of 2
    await clock.advance(899); // still slot 8: the window [0, 1000) still counts slot 0
    expect(budget.stats().available).toBe(1);
    await clock.advance(100); // 999: slot 9, slot 0 still in
    expect(budget.stats().available).toBe(1);
    await clock.advance(1); // 1000: slot 10 replaces slot 0; deposits and the withdrawal are gone
    expect(budget.stats().available).toBe(0);
    await requests(budget, 10);
    expect(budget.stats().available).toBe(1);
  });

  it('refills after a long silence (more than a whole window skipped)', async () => {
    const clock = new ManualClock(0);
    const budget = retryBudget({ ratio: 0.5, minPerSecond: 1, windowMs: 2_000, clock });
    expect(drain(budget)).toBe(2);
    await requests(budget, 4);
    expect(drain(budget)).toBe(2);
    await clock.advance(60_000);
    expect(budget.stats().available).toBe(2);
  });

  it('passes the operation and its signal through, and counts one request per call', async () => {
    const budget = retryBudget({ ratio: 0.1 });
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const op = budget(async (signal) => (seen.push(signal), 42));
    expect(await op(controller.signal)).toBe(42);
    expect(await op(controller.signal)).toBe(42);
    expect(seen).toEqual([controller.signal, controller.signal]);
    expect(budget.stats().requests).toBe(2);
    const boom = new Error('boom');
    await expect(
      budget(async () => {
        throw boom;
      })(controller.signal),
    ).rejects.toBe(boom);
  });
});
