// The timeout policy and the Deadline arithmetic, exactly, on a ManualClock: when the signal aborts (not a
// tick early), what the caller gets, what a hop passes on, and why the header is a relative budget (a
// receiver with a skewed clock reads it right; an absolute epoch time it would read wrong).
import { ManualClock, execute, skewedClock } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import type { TimeoutError } from '../src/index.ts';
import {
  DEADLINE_HEADER,
  Deadline,
  deadlineFromHeader,
  deadlineHeader,
  isTimeoutsError,
  timeout,
} from '../src/index.ts';
import { naiveTimeout } from '../src/naive.ts';

/** An operation that records its signal and settles only when aborted (or never, if `ignoreSignal`). */
function hanging(ignoreSignal = false) {
  const seen: { signal?: AbortSignal } = {};
  const op = (signal: AbortSignal) =>
    new Promise<string>((_, reject) => {
      seen.signal = signal;
      if (!ignoreSignal) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { seen, op };
}
const settled = <T>(p: Promise<T>) =>
  p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );

describe('timeout({ ms, clock })', () => {
  it.each([1, 100, 2_500])(
    'aborts the inner signal with a TimeoutError at %i ms, not a millisecond before',
    async (ms) => {
      const clock = new ManualClock();
      const h = hanging();
      const call = settled(execute(timeout({ ms, clock, name: 'fetch user' })(h.op)));
      await clock.advance(ms - 1);
      expect(h.seen.signal!.aborted).toBe(false);
      await clock.advance(1);
      const out = await call;
      expect('err' in out && isTimeoutsError(out.err, 'timeout')).toBe(true);
      expect((out as { err: TimeoutError }).err.message).toBe(`fetch user took longer than ${ms} ms`);
      expect(h.seen.signal!.reason).toBe((out as { err: unknown }).err);
    },
  );

  it('answers the caller at the deadline even when the operation ignores its signal', async () => {
    const clock = new ManualClock();
    const call = settled(execute(timeout({ ms: 50, clock })(hanging(true).op)));
    await clock.advance(50);
    expect(isTimeoutsError(((await call) as { err: unknown }).err, 'timeout')).toBe(true);
  });

  it("passes the caller's abort on with the caller's reason, and leaves no timer behind on success", async () => {
    const clock = new ManualClock();
    const h = hanging();
    const ctl = new AbortController();
    const call = settled(execute(timeout({ ms: 50, clock })(h.op), ctl.signal));
    const reason = new Error('user navigated away');
    ctl.abort(reason);
    expect(await call).toEqual({ err: reason });
    expect(h.seen.signal!.reason).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(await execute(timeout({ ms: 50, clock })(() => Promise.resolve('fast')))).toBe('fast');
    expect(clock.pending).toBe(0);
  });

  it("rethrows the operation's own error unchanged", async () => {
    const boom = new Error('HTTP 500');
    expect(await settled(execute(timeout({ ms: 50, clock: new ManualClock() })(() => Promise.reject(boom))))).toEqual({
      err: boom,
    });
  });

  it('the naive race answers the caller in time too, but never aborts the operation: the work runs on', async () => {
    const clock = new ManualClock();
    const h = hanging(true);
    const call = settled(execute(naiveTimeout({ ms: 50, clock })(h.op)));
    await clock.advance(50);
    expect(isTimeoutsError(((await call) as { err: unknown }).err, 'timeout')).toBe(true);
    expect(h.seen.signal!.aborted).toBe(false);
  });
});

describe('Deadline', () => {
  it.each([
    // [budget ms, elapsed ms, reserve ms, expected budget for the next hop]
    [1_000, 0, 0, 1_000],
    [1_000, 300, 50, 650],
    [1_000, 950, 50, 0],
    [1_000, 951, 50, 0],
    [1_000, 949, 50, 1],
    [1_000, 2_000, 0, 0],
  ])('budget %i ms, %i ms elapsed, reserve %i ms: the next hop gets %i ms', async (ms, elapsed, reserve, expected) => {
    const clock = new ManualClock();
    const d = Deadline.after(ms, clock);
    await clock.advance(elapsed);
    expect(d.budget(reserve)).toBe(expected);
    if (expected > 0) expect(deadlineHeader(d, reserve)).toEqual({ [DEADLINE_HEADER]: String(expected) });
    else expect(() => deadlineHeader(d, reserve)).toThrow(expect.objectContaining({ code: 'deadline' }) as Error);
  });

  it('run() refuses to start once the budget is spent, and aborts at the deadline otherwise', async () => {
    const clock = new ManualClock();
    const d = Deadline.after(100, clock);
    const h = hanging();
    const call = settled(d.run(h.op, new AbortController().signal, 10));
    await clock.advance(89);
    expect(h.seen.signal!.aborted).toBe(false);
    await clock.advance(1);
    expect(isTimeoutsError(((await call) as { err: unknown }).err, 'timeout')).toBe(true);
    let ran = false;
    const refused = await settled(d.run(async () => (ran = true), new AbortController().signal, 10));
    expect(isTimeoutsError((refused as { err: unknown }).err, 'deadline')).toBe(true);
    expect(ran).toBe(false);
  });

  it.each([-5_000, 0, 5_000])(
    'a relative budget header means the same on a receiver whose clock is off by %i ms; an absolute one does not',
    async (skewMs) => {
      const sender = new ManualClock();
      const receiver = skewedClock(sender, skewMs);
      const d = Deadline.after(800, sender);
      await sender.advance(100);
      // Relative: 700 ms left, whatever the receiver's clock says.
      expect(deadlineFromHeader(deadlineHeader(d)[DEADLINE_HEADER], receiver)!.remaining()).toBe(700);
      // Absolute epoch ms read on the receiver's clock: off by exactly the skew (0 when ahead by more than the budget).
      expect(Deadline.at(d.at, receiver).remaining()).toBe(Math.max(0, 700 - skewMs));
    },
  );
});
