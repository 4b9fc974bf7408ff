// The mechanism without a server: 30 clients on one lock, time from a ManualClock, jitter from a seeded
// random source, so every count and every (virtual) completion time is exact and repeatable. A real
// machine adds its own scheduling noise, which is a jitter of its own and blurs the difference in calls
// (the bench measures it on a real server); here the difference is shown with nothing else in play.
import { ManualClock, type Operation } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { ResourceBusyError, retry, type BackoffKind } from '../src/index.ts';

/** mulberry32: a small seeded PRNG, so the jittered runs are the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLIENTS = 30;
const HOLD_MS = 20;

/** Every client enters a lock held HOLD_MS per entry; returns calls and the virtual time the last one got in. */
async function simulate(kind: BackoffKind, seed = 1): Promise<{ calls: number; lastEntryMs: number }> {
  const clock = new ManualClock(0);
  let freeAt = 0;
  let calls = 0;
  let lastEntryMs = 0;
  const enter: Operation<void> = async () => {
    calls++;
    if (clock.now() < freeAt) throw new ResourceBusyError('held');
    freeAt = clock.now() + HOLD_MS;
    lastEntryMs = clock.now();
  };
  const policy = retry({ attempts: 1_000, backoff: { kind, baseMs: 20, capMs: 400 }, clock, random: seeded(seed) });
  const all = Promise.all(Array.from({ length: CLIENTS }, () => policy(enter)(new AbortController().signal)));
  await clock.advance(10 * 60_000);
  await all;
  return { calls, lastEntryMs };
}

describe('30 clients on one lock, in virtual time', () => {
  it('no jitter: the crowd retries in waves that let one client in each, so calls grow as n(n+1)/2', async () => {
    const { calls } = await simulate('exponential');
    expect(calls).toBe((CLIENTS * (CLIENTS + 1)) / 2);
  });

  it('full jitter costs fewer calls than no jitter and finishes far sooner, for every seed tried', async () => {
    const none = await simulate('exponential');
    for (const seed of [1, 2, 3, 4, 5]) {
      const full = await simulate('full', seed);
      expect(full.calls).toBeLessThan(none.calls);
      expect(full.lastEntryMs * 2).toBeLessThan(none.lastEntryMs);
    }
  });

  it('equal and decorrelated jitter also beat no jitter on calls', async () => {
    const none = await simulate('exponential');
    expect((await simulate('equal')).calls).toBeLessThan(none.calls);
    expect((await simulate('decorrelated')).calls).toBeLessThan(none.calls);
  });
});
