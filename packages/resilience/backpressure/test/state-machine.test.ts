// The admission's accounting with a ManualClock (no sleeps, no timing thresholds): who runs, who waits, who
// is shed and why, in which order, and the Retry-After estimate, exact values around each bound.
import { ManualClock } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { admission, isBackpressureError, type Admission, type Release } from '../src/index.ts';
import { unboundedAdmission } from '../src/naive.ts';

const never = new AbortController().signal;
type Outcome = { release?: Release; error?: unknown };

/** Asks for a slot and records what happened to the request, without awaiting it. */
function ask(gate: Admission, log: string[], name: string, signal = never): Outcome {
  const o: Outcome = {};
  gate.enter(signal).then(
    (release) => {
      o.release = release;
      log.push(`${name} runs`);
    },
    (error: unknown) => {
      o.error = error;
      log.push(
        `${name} ${isBackpressureError(error, 'overloaded') ? `shed (${error.reason}, retry after ${error.retryAfterMs} ms)` : 'aborted'}`,
      );
    },
  );
  return o;
}

describe('admission state machine (ManualClock)', () => {
  it('runs up to concurrency, queues up to the bound, sheds the rest at once, and serves the queue first in first out', async () => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 2, queue: 2, maxQueueWaitMs: 1_000, clock });
    const log: string[] = [];
    const calls = ['a', 'b', 'c', 'd', 'e'].map((n) => ask(gate, log, n));
    await clock.advance(0);
    expect(log).toEqual(['a runs', 'b runs', 'e shed (queue-full, retry after 2000 ms)']);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 2, maxQueued: 2, admitted: 2, shedQueueFull: 1 });

    await clock.advance(100);
    calls[1]!.release!();
    calls[1]!.release!(); // twice: the second does nothing
    await clock.advance(0);
    expect(log.slice(3)).toEqual(['c runs']);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 1, completed: 1, serviceTimeMs: 100 });
    calls[0]!.release!();
    await clock.advance(0);
    expect(log.slice(4)).toEqual(['d runs']);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 0, completed: 2, admitted: 4 });
  });

  it.each([
    ['one ms before maxQueueWaitMs: still queued', 499, []],
    ['at maxQueueWaitMs: shed with queue-timeout', 500, ['b shed (queue-timeout, retry after 1000 ms)']],
  ])('a waiter %s', async (_what, advance, expected) => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 1, queue: 1, maxQueueWaitMs: 500, clock });
    const log: string[] = [];
    ask(gate, log, 'a');
    ask(gate, log, 'b');
    await clock.advance(0);
    log.length = 0;
    await clock.advance(advance);
    expect(log).toEqual(expected);
    expect(gate.stats().shedQueueTimeout).toBe(expected.length);
  });

  it('a waiter whose signal aborts leaves the queue and its place is not run', async () => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 1, queue: 2, maxQueueWaitMs: 1_000, clock });
    const log: string[] = [];
    const stop = new AbortController();
    const a = ask(gate, log, 'a');
    ask(gate, log, 'b', stop.signal);
    ask(gate, log, 'c');
    await clock.advance(0);
    stop.abort(new Error('client went away'));
    await clock.advance(0);
    expect(gate.stats()).toMatchObject({ queued: 1, abortedWhileQueued: 1 });
    a.release!();
    await clock.advance(0);
    expect(log).toEqual(['a runs', 'b aborted', 'c runs']);
    await clock.advance(5_000); // c's timer was cancelled when it got its slot
    expect(gate.stats().shedQueueTimeout).toBe(0);
  });

  // retryAfterMs = ceil((queued + 1) / concurrency) x service time (maxQueueWaitMs before any call finished),
  // capped at maxQueueWaitMs + that service time.
  it.each([
    ['nothing finished yet, empty queue', 0, undefined, 1 * 400],
    ['nothing finished yet, 3 queued (2 rounds of 2 slots)', 3, undefined, 800],
    ['one call of 30 ms finished, 0 queued', 0, 30, 30],
    ['one call of 30 ms finished, 1 queued', 1, 30, 30],
    ['one call of 30 ms finished, 2 queued', 2, 30, 60],
    ['one call of 30 ms finished, 5 queued', 5, 30, 90],
  ])('Retry-After estimate: %s', async (_what, queued, finishedMs, expected) => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 2, queue: 10, maxQueueWaitMs: 400, clock });
    const log: string[] = [];
    if (finishedMs !== undefined) {
      const first = ask(gate, log, 'first');
      await clock.advance(finishedMs);
      first.release!();
    }
    ask(gate, log, 'r1');
    ask(gate, log, 'r2');
    for (let i = 0; i < queued; i++) ask(gate, log, `q${i}`);
    await clock.advance(0);
    expect(gate.stats().queued).toBe(queued);
    expect(gate.retryAfterMs()).toBe(expected);
  });

  it('the service time is a moving average with weight 0.2 for the newest call', async () => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 1, queue: 0, maxQueueWaitMs: 400, clock });
    const log: string[] = [];
    for (const took of [100, 200, 0]) {
      const o = ask(gate, log, 'x');
      await clock.advance(took);
      o.release!();
    }
    // 100, then 100 + 0.2 x (200 - 100) = 120, then 120 + 0.2 x (0 - 120) = 96
    expect(gate.stats().serviceTimeMs).toBeCloseTo(96, 10);
  });

  it('the Retry-After estimate is capped at maxQueueWaitMs + the service time', async () => {
    const clock = new ManualClock();
    const gate = admission({ concurrency: 1, queue: 50, maxQueueWaitMs: 100, clock });
    const log: string[] = [];
    const first = ask(gate, log, 'first');
    await clock.advance(30);
    first.release!();
    ask(gate, log, 'running');
    for (let i = 0; i < 20; i++) ask(gate, log, `q${i}`);
    await clock.advance(0);
    expect(gate.retryAfterMs()).toBe(130); // uncapped it would be 21 x 30 = 630
  });

  it('the naive variant never sheds: its queue takes every arrival and only grows while slots are busy', async () => {
    const clock = new ManualClock();
    const gate = unboundedAdmission({ concurrency: 2, clock });
    const log: string[] = [];
    for (let i = 0; i < 1_000; i++) ask(gate, log, `c${i}`);
    await clock.advance(60_000);
    expect(gate.stats()).toMatchObject({
      running: 2,
      queued: 998,
      maxQueued: 998,
      shedQueueFull: 0,
      shedQueueTimeout: 0,
      queueBound: Infinity,
    });
    expect(log.filter((l) => l.includes('shed'))).toEqual([]);
  });

  it('as a Policy it runs the operation in a slot and releases it whether the operation resolves or rejects', async () => {
    const gate = admission({ concurrency: 1, queue: 0, maxQueueWaitMs: 100, clock: new ManualClock() });
    const boom = new Error('boom');
    await expect(gate(async () => 7)(never)).resolves.toBe(7);
    await expect(
      gate(async () => {
        throw boom;
      })(never),
    ).rejects.toBe(boom); // the operation's own error, unchanged
    expect(gate.stats()).toMatchObject({ running: 0, admitted: 2, completed: 2 });
  });
});
