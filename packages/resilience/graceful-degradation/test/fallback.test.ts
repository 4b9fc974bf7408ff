// The fallback policy alone, and composed with the series' breaker and timeout, driven by a ManualClock:
// exact counts of what reached the operation and what the fallback was given. No sleeps, no timing thresholds.
import { ManualClock, compose, execute, type Operation } from '@poc/kit';
import { circuitBreaker, isCircuitBreakerError } from 'poc-resilience-circuit-breaker';
import { isTimeoutsError, timeout } from 'poc-resilience-timeouts';
import { describe, expect, it } from 'vitest';
import { FallbackFailedError, fallback, isGracefulDegradationError, withFallback } from '../src/index.ts';
import { naiveFallback } from '../src/naive.ts';

const boom = new Error('boom');
const failing: Operation<string> = async () => {
  throw boom;
};

describe('fallback()', () => {
  it('passes a success through and counts it', async () => {
    const policy = fallback({ to: () => 'fallback' });
    await expect(execute(policy(async () => 'fresh'))).resolves.toBe('fresh');
    expect(policy.stats()).toEqual({ calls: 1, succeeded: 1, fellBack: 0, passedOn: 0, fallbackFailed: 0 });
  });

  it('answers with to(error, signal) when the operation fails, given the error and the caller signal', async () => {
    const seen: unknown[] = [];
    const caller = new AbortController();
    const policy = fallback({
      to: (error, signal) => {
        seen.push(error, signal);
        return 'stale';
      },
    });
    await expect(policy(failing)(caller.signal)).resolves.toBe('stale');
    expect(seen).toEqual([boom, caller.signal]);
    expect(policy.stats()).toMatchObject({ calls: 1, fellBack: 1 });
  });

  it.each([
    ['accepted by when', true, 'fallback'],
    ['refused by when: rethrown unchanged', false, boom],
  ])('an error %s', async (_what, accept, expected) => {
    const policy = fallback({ to: () => 'fallback', when: () => accept });
    const outcome = await execute(policy(failing)).catch((e: unknown) => e);
    expect(outcome).toBe(expected);
    expect(policy.stats().passedOn).toBe(accept ? 0 : 1);
  });

  it("gives no fallback to a caller who cancelled: the caller's own abort is rethrown unchanged", async () => {
    const caller = new AbortController();
    const reason = new Error('caller left');
    const policy = fallback({ to: () => 'fallback' });
    const op: Operation<string> = (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const pending = policy(op)(caller.signal).catch((e: unknown) => e);
    caller.abort(reason);
    expect(await pending).toBe(reason);
    expect(policy.stats()).toMatchObject({ passedOn: 1, fellBack: 0 });
  });

  it('when the fallback fails too, rejects with FallbackFailedError holding both errors', async () => {
    const second = new Error('no stale copy');
    const policy = fallback({
      to: () => {
        throw second;
      },
    });
    const err = await execute(policy(failing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FallbackFailedError);
    expect(isGracefulDegradationError(err, 'fallback-failed')).toBe(true);
    expect((err as FallbackFailedError).cause).toBe(second);
    expect((err as FallbackFailedError).error).toBe(boom);
    expect((err as Error).message).toBe('the operation failed (boom) and its fallback failed too (no stale copy)');
    expect(policy.stats()).toMatchObject({ fallbackFailed: 1 });
  });

  it('withFallback() is the typed form for one operation', async () => {
    await expect(execute(withFallback(failing, { to: () => 'typed' }))).resolves.toBe('typed');
  });
});

describe('compose(fallback, circuitBreaker, timeout) with a ManualClock', () => {
  it('a hung dependency: THRESHOLD timeouts, then refusals at once, one probe per half-open period, recovery', async () => {
    const clock = new ManualClock();
    const THRESHOLD = 3;
    const breaker = circuitBreaker({
      strategy: { kind: 'consecutive', threshold: THRESHOLD },
      halfOpenAfterMs: 1_000,
      clock,
    });
    const given: string[] = [];
    const degrade = fallback({
      to: (error) => {
        given.push(
          isTimeoutsError(error, 'timeout') ? 'timeout' : isCircuitBreakerError(error, 'open') ? 'open' : 'other',
        );
        return 'degraded';
      },
    });
    const call = compose(degrade, breaker, timeout({ ms: 100, clock }));
    let reached = 0;
    let healthy = false;
    const dependency: Operation<string> = (signal) => {
      reached++;
      if (healthy) return Promise.resolve('fresh');
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    };

    const answers: string[] = [];
    for (let i = 0; i < THRESHOLD; i++) {
      const pending = execute(call(dependency));
      await clock.advance(100); // each caller waits exactly its timeout, never more
      answers.push(await pending);
    }
    expect(breaker.state()).toBe('open');
    for (let i = 0; i < 10; i++) answers.push(await execute(call(dependency))); // no time passes: refused at once
    expect({ reached, given: given.join(',') }).toEqual({
      reached: THRESHOLD,
      given: [...Array(THRESHOLD).fill('timeout'), ...Array(10).fill('open')].join(','),
    });

    await clock.advance(1_000); // half-open: the probe still hangs, so it times out and the circuit reopens
    const probe = execute(call(dependency));
    await clock.advance(100);
    answers.push(await probe);
    expect({ reached, state: breaker.state(), probes: breaker.stats().probes }).toEqual({
      reached: THRESHOLD + 1,
      state: 'open',
      probes: 1,
    });

    healthy = true;
    await clock.advance(1_000);
    answers.push(await execute(call(dependency)));
    answers.push(await execute(call(dependency)));
    expect(breaker.state()).toBe('closed');
    expect(answers).toEqual([...Array(THRESHOLD + 10 + 1).fill('degraded'), 'fresh', 'fresh']);
    expect(degrade.stats()).toEqual({
      calls: THRESHOLD + 13,
      succeeded: 2,
      fellBack: THRESHOLD + 11,
      passedOn: 0,
      fallbackFailed: 0,
    });
  });

  it('break it: the naive try/catch fallback alone never answers while the dependency hangs', async () => {
    const clock = new ManualClock();
    let settled = false;
    const hang: Operation<string> = () => new Promise(() => undefined);
    void execute(naiveFallback({ to: () => 'degraded' })(hang)).then(() => (settled = true));
    await clock.advance(60_000);
    expect(settled).toBe(false);
  });
});
