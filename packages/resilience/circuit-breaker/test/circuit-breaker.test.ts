// Against a real flapping service: the lab's fastify app in its own process (spawnTsWorker) behind
// toxiproxy. The service counts every /work request that reaches it, so "calls that hit the dead
// dependency" is read back from the server, not from the breaker. A ManualClock decides when a half-open
// period starts (no sleeps, no timing thresholds); the calls, failures, resets and timeouts are real.
import { ManualClock, execute, type Policy } from '@poc/kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.ts';
import { circuitBreaker, isCircuitBreakerError, type CircuitBreaker } from '../src/index.ts';
import { naiveCircuitBreaker } from '../src/naive.ts';

const CALLERS = 20; // concurrent callers per wave
const HALF_OPEN_AFTER = 5_000;
const strategy = { kind: 'consecutive', threshold: 5 } as const;

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());
beforeEach(async () => {
  await lab.proxy.restore();
  await lab.setMode('up');
  await lab.resetStats();
});

/** CALLERS calls at once through `policy`; returns how many were refused by the breaker. */
async function wave(policy: Policy): Promise<{ refused: number; failed: number; ok: number }> {
  const seen = await Promise.all(
    Array.from({ length: CALLERS }, () =>
      execute(policy((signal) => lab.work(signal))).then(
        () => 'ok' as const,
        (e: unknown) => (isCircuitBreakerError(e, 'open') ? ('refused' as const) : ('failed' as const)),
      ),
    ),
  );
  return {
    refused: seen.filter((s) => s === 'refused').length,
    failed: seen.filter((s) => s === 'failed').length,
    ok: seen.filter((s) => s === 'ok').length,
  };
}

/** /work requests that reached the service while it was failing. */
const reachedDead = async (): Promise<number> => (await lab.stats()).received.fail;
const noBreaker: Policy = (op) => op;

/**
 * The outage script every variant runs: one wave to find the service dead, 3 waves while open, then 3
 * half-open periods still dead, then the service comes back: a last period and a wave after it.
 * Returns the service's count of dead hits after each step.
 */
async function outage(policy: Policy, clock: ManualClock): Promise<{ steps: Record<string, number>; last: number }> {
  const steps: Record<string, number> = {};
  await lab.setMode('fail');
  await wave(policy);
  steps.firstWave = await reachedDead();
  for (let i = 0; i < 3; i++) await wave(policy);
  steps.whileOpen = (await reachedDead()) - steps.firstWave;
  let before = await reachedDead();
  for (let period = 1; period <= 3; period++) {
    await clock.advance(HALF_OPEN_AFTER);
    await wave(policy);
    const now = await reachedDead();
    steps[`halfOpen${period}`] = now - before;
    before = now;
  }
  await lab.setMode('up');
  await clock.advance(HALF_OPEN_AFTER);
  await wave(policy);
  const recovered = await wave(policy);
  return { steps, last: recovered.ok };
}

describe('a flapping real service', () => {
  it('without a breaker every caller of every wave hits the dead dependency', async () => {
    const { steps, last } = await outage(noBreaker, new ManualClock());
    expect(steps).toEqual({
      firstWave: CALLERS,
      whileOpen: 3 * CALLERS,
      halfOpen1: CALLERS,
      halfOpen2: CALLERS,
      halfOpen3: CALLERS,
    });
    expect(last).toBe(CALLERS);
  });

  it('with the breaker: 0 calls reach it while open, exactly 1 probe per half-open period, all calls again once it is back', async () => {
    const clock = new ManualClock();
    const breaker: CircuitBreaker = circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
    const transitions: string[] = [];
    breaker.onStateChange((to) => transitions.push(to));
    const { steps, last } = await outage(breaker, clock);
    // The first wave is all in flight before any answer comes back, so all of it reaches the service.
    expect(steps).toEqual({ firstWave: CALLERS, whileOpen: 0, halfOpen1: 1, halfOpen2: 1, halfOpen3: 1 });
    expect(last).toBe(CALLERS);
    expect(transitions).toEqual(['open', ...Array(3).fill(['half-open', 'open']).flat(), 'half-open', 'closed']);
    expect((await lab.stats()).received.up).toBe(1 + CALLERS); // the good probe, then the last wave
  });

  it('break it: the naive timer breaker sends a whole wave to the dead service each time its timer runs out', async () => {
    const clock = new ManualClock();
    const naive = naiveCircuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
    const { steps } = await outage(naive, clock);
    expect(steps).toEqual({
      firstWave: CALLERS,
      whileOpen: 0,
      halfOpen1: CALLERS,
      halfOpen2: CALLERS,
      halfOpen3: CALLERS,
    });
  });

  it('opens on connection resets injected by toxiproxy, then fails fast without opening connections', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
    await lab.proxy.proxy.addToxic({
      name: 'reset',
      type: 'reset_peer',
      stream: 'upstream',
      toxicity: 1,
      attributes: { timeout: 0 },
    });
    for (let i = 0; i < strategy.threshold; i++) await execute(breaker((s) => lab.work(s))).catch(() => undefined);
    expect(breaker.stats()).toMatchObject({ state: 'open', admitted: strategy.threshold, failed: strategy.threshold });
    const refused = await wave(breaker);
    expect(refused).toEqual({ refused: CALLERS, failed: 0, ok: 0 });
    expect(breaker.stats().admitted).toBe(strategy.threshold);
    await lab.proxy.restore();
    await clock.advance(HALF_OPEN_AFTER);
    await execute(breaker((s) => lab.work(s)));
    expect(breaker.state()).toBe('closed');
  });

  it('a hanging service: calls that time out trip it, and later callers are refused at once instead of waiting', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
    const withTimeout = (signal: AbortSignal) => lab.work(AbortSignal.any([signal, AbortSignal.timeout(300)]));
    await lab.setMode('hang');
    const first = await Promise.all(
      Array.from({ length: strategy.threshold }, () => execute(breaker(withTimeout)).catch((e: unknown) => e)),
    );
    expect(first.every((e) => (e as Error).name === 'TimeoutError')).toBe(true);
    expect(breaker.state()).toBe('open');
    const refused = await wave(breaker);
    expect(refused.refused).toBe(CALLERS);
    expect((await lab.stats()).received.hang).toBe(strategy.threshold);
  });
});
