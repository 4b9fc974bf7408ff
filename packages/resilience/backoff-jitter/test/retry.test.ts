// retry() as a state machine: a ManualClock drives the back-off, an injected random fixes the jitter,
// and the operation is a script of outcomes. No real time passes; counts and order are asserted.
import { ManualClock, compose, execute, type Operation } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { retry, type RetryEvent } from '../src/index.ts';

/** An operation that fails `failures` times (with distinct errors), then returns 'ok'; it records each call's signal. */
function flaky(failures: number): Operation<string> & { calls: AbortSignal[]; errors: Error[] } {
  const calls: AbortSignal[] = [];
  const errors: Error[] = [];
  const op = async (signal: AbortSignal): Promise<string> => {
    calls.push(signal);
    if (calls.length <= failures) {
      const e = new Error(`failure ${calls.length}`);
      errors.push(e);
      throw e;
    }
    return 'ok';
  };
  return Object.assign(op, { calls, errors });
}

const settled = <T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } => {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
};

describe('retry', () => {
  it('waits each back-off in full before the next attempt (exponential: 10 then 20 ms)', async () => {
    const clock = new ManualClock();
    const op = flaky(2);
    const result = settled(
      execute(retry({ attempts: 5, backoff: { kind: 'exponential', baseMs: 10, capMs: 100 }, clock })(op)),
    );
    await clock.advance(0);
    expect(op.calls).toHaveLength(1);
    await clock.advance(9);
    expect(op.calls).toHaveLength(1); // 9 of 10 ms
    await clock.advance(1);
    expect(op.calls).toHaveLength(2);
    await clock.advance(19);
    expect(op.calls).toHaveLength(2); // 19 of 20 ms
    await clock.advance(1);
    expect(op.calls).toHaveLength(3);
    expect(result).toEqual({ value: 'ok', done: true });
  });

  it('draws each delay from the injected random and reports it before sleeping', async () => {
    const clock = new ManualClock();
    const events: RetryEvent[] = [];
    const op = flaky(3);
    const result = settled(
      execute(
        retry({
          attempts: 4,
          backoff: { kind: 'decorrelated', baseMs: 10, capMs: 100 },
          clock,
          random: () => 0.5,
          onRetry: (e) => events.push(e),
        })(op),
      ),
    );
    await clock.advance(20 + 35 + 57.5);
    expect(result.value).toBe('ok');
    expect(events.map((e) => [e.attempt, e.delayMs, e.error])).toEqual([
      [1, 20, op.errors[0]],
      [2, 35, op.errors[1]],
      [3, 57.5, op.errors[2]],
    ]);
  });

  it('gives up after `attempts` calls and rethrows the last error unchanged', async () => {
    const clock = new ManualClock();
    const op = flaky(10);
    const result = settled(execute(retry({ attempts: 3, backoff: { kind: 'none', baseMs: 5, capMs: 5 }, clock })(op)));
    await clock.advance(1_000);
    expect(op.calls).toHaveLength(3);
    expect(result.error).toBe(op.errors[2]);
    expect(clock.pending).toBe(0);
  });

  it('attempts: 1 never retries', async () => {
    const op = flaky(1);
    await expect(execute(retry({ attempts: 1, backoff: { kind: 'full', baseMs: 5, capMs: 5 } })(op))).rejects.toBe(
      op.errors[0],
    );
    expect(op.calls).toHaveLength(1);
  });

  it('does not retry an error shouldRetry refuses', async () => {
    const op = flaky(5);
    const seen: Array<[string, number]> = [];
    const policy = retry({
      attempts: 5,
      backoff: { kind: 'full', baseMs: 5, capMs: 5 },
      shouldRetry: (e, attempt) => (seen.push([(e as Error).message, attempt]), false),
    });
    await expect(execute(policy(op))).rejects.toBe(op.errors[0]);
    expect(op.calls).toHaveLength(1);
    expect(seen).toEqual([['failure 1', 1]]);
  });

  it('asks allow() before each retry, after shouldRetry, and gives up when it says no', async () => {
    const clock = new ManualClock();
    const op = flaky(5);
    const asked: number[] = [];
    const retried: number[] = [];
    const policy = retry({
      attempts: 5,
      backoff: { kind: 'exponential', baseMs: 10, capMs: 100 },
      clock,
      allow: (e) => (asked.push(e.attempt), e.attempt < 2),
      onRetry: (e) => retried.push(e.attempt),
    });
    const result = settled(execute(policy(op)));
    await clock.advance(100);
    expect(asked).toEqual([1, 2]);
    expect(retried).toEqual([1]); // the refused retry is not reported as one
    expect(op.calls).toHaveLength(2);
    expect(result.error).toBe(op.errors[1]);
  });

  it('an abort during the back-off rejects with the signal reason at once, and no call follows', async () => {
    const clock = new ManualClock();
    const op = flaky(5);
    const controller = new AbortController();
    const result = settled(
      retry({ attempts: 5, backoff: { kind: 'exponential', baseMs: 1_000, capMs: 1_000 }, clock })(op)(
        controller.signal,
      ),
    );
    await clock.advance(500);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await clock.advance(0);
    expect(result.error).toBe(reason);
    expect(clock.pending).toBe(0); // the back-off timer was cancelled
    await clock.advance(10_000);
    expect(op.calls).toHaveLength(1);
  });

  it('passes the caller signal to every attempt, and does not start when it is already aborted', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const op = flaky(2);
    const result = settled(
      retry({ attempts: 3, backoff: { kind: 'none', baseMs: 1, capMs: 1 }, clock })(op)(controller.signal),
    );
    await clock.advance(2);
    expect(result.value).toBe('ok');
    expect(op.calls).toEqual([controller.signal, controller.signal, controller.signal]);

    const aborted = AbortSignal.abort(new Error('too late'));
    const never = flaky(0);
    await expect(
      retry({ attempts: 3, backoff: { kind: 'none', baseMs: 1, capMs: 1 } })(never)(aborted),
    ).rejects.toThrow('too late');
    expect(never.calls).toHaveLength(0);
  });

  it('an abort during an attempt that ignores it: no retry, and the caller hears its own reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    let calls = 0;
    const op: Operation<never> = async () => {
      calls++;
      controller.abort(reason); // e.g. a pg query, which cannot be cancelled, fails after the abort
      throw new Error('busy anyway');
    };
    await expect(
      retry({ attempts: 5, backoff: { kind: 'none', baseMs: 0, capMs: 0 } })(op)(controller.signal),
    ).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('composes with the kit: an outer retry of an inner retry multiplies the attempts', async () => {
    const clock = new ManualClock();
    const op = flaky(100);
    const backoff = { kind: 'none', baseMs: 1, capMs: 1 } as const;
    const result = settled(
      execute(compose(retry({ attempts: 2, backoff, clock }), retry({ attempts: 3, backoff, clock }))(op)),
    );
    await clock.advance(100);
    expect(op.calls).toHaveLength(6);
    expect(result.error).toBe(op.errors[5]);
  });
});
