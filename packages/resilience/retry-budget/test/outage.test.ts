// Against the real lab service (fastify in its own process, behind toxiproxy): the load that reaches it
// during an outage and during a 10% transient-failure period, counted by the service itself.
import { ExponentialBackoff, handleWhen, retry as cockatielRetry } from 'cockatiel';
import { type Operation, type Policy } from '@poc/kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { budgetedRetry, isRetryBudgetError, retryBudget } from '../src/index.ts';
import { workCall } from '../src/lab/client.ts';
import { startLab, type Lab } from '../src/lab/lab.ts';
import { plainRetry } from '../src/naive.ts';

const CLIENTS = 10;
const PER_CLIENT = 20; // 200 logical requests per scenario
const ATTEMPTS = 3;
const backoff = { kind: 'full', baseMs: 1, capMs: 5 } as const;
const unavailable = (e: unknown): boolean => isRetryBudgetError(e, 'unavailable');

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());
beforeEach(() => lab.reset());

/** CLIENTS callers, each making PER_CLIENT requests in sequence through `policy`. */
async function load(policy: Policy): Promise<{ requests: number; succeeded: number; calls: number }> {
  const op: Operation<unknown> = workCall(lab.url);
  let succeeded = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < PER_CLIENT; i++) {
        await policy(op)(new AbortController().signal).then(
          () => succeeded++,
          (e: unknown) => {
            if (!unavailable(e)) throw e;
          },
        );
      }
    }),
  );
  const { calls } = await lab.stats();
  await lab.reset();
  return { requests: CLIENTS * PER_CLIENT, succeeded, calls };
}

describe('retry budget against a real failing service', () => {
  it('break it: in an outage plain retries send attempts x the load; the budget keeps it within 1 + ratio', async () => {
    await lab.setMode('down');
    const plain = await load(plainRetry({ attempts: ATTEMPTS, backoff, shouldRetry: unavailable }));
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, windowMs: 600_000 });
    const budgeted = await load(budgetedRetry(budget, { attempts: ATTEMPTS, backoff, shouldRetry: unavailable }));

    expect(plain).toEqual({ requests: 200, succeeded: 0, calls: 600 }); // 3x
    expect(budgeted.succeeded).toBe(0);
    expect(budgeted.calls).toBe(200 + budget.stats().retriesAllowed); // every call the service saw is accounted for
    expect(budgeted.calls).toBeLessThanOrEqual(200 * 1.1); // retries <= 10% of requests
    expect(budget.stats()).toMatchObject({ requests: 200, retriesAllowed: 20 });
  });

  it('with 10% transient failures the budget refuses no retry, and the retries turn the failures into successes', async () => {
    await lab.setMode('flaky', 10);
    // Every 10th call fails. With 10 clients taking turns, a retry can land on the next 10th call again
    // (the other nine each made one call meanwhile), so a request gets 6 attempts; a request may still
    // lose all six to that resonance, with or without a budget, which is why the safe side is asserted.
    const attempts = 6;
    const budget = retryBudget({ ratio: 0.2, minPerSecond: 0, windowMs: 600_000 });
    const budgeted = await load(budgetedRetry(budget, { attempts, backoff, shouldRetry: unavailable }));
    expect(budget.stats().retriesRefused).toBe(0); // the budget let every retry through...
    expect(budget.stats().retriesAllowed).toBeGreaterThanOrEqual(20); // ... at least one per failed first call
    expect(budgeted.calls).toBe(200 + budget.stats().retriesAllowed);
    expect(budgeted.succeeded).toBeGreaterThan(190); // ... and they helped: without retries 180 would succeed
  });

  it("cockatiel's retry has no budget: in the same outage it sends attempts x the load", async () => {
    await lab.setMode('down');
    const policy = cockatielRetry(handleWhen(unavailable), {
      maxAttempts: ATTEMPTS - 1, // cockatiel counts retries, not calls
      backoff: new ExponentialBackoff({ initialDelay: 1, maxDelay: 5 }),
    });
    const viaCockatiel: Policy = (op) => (signal) => policy.execute(({ signal: s }) => op(s), signal);
    expect(await load(viaCockatiel)).toEqual({ requests: 200, succeeded: 0, calls: 600 });
  });

  it('when toxiproxy cuts the link, the budget bounds the connection attempts the same way', async () => {
    await lab.proxy.cut();
    try {
      const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, windowMs: 600_000 });
      const op = workCall(lab.url);
      const policy = budgetedRetry(budget, { attempts: ATTEMPTS, backoff, shouldRetry: unavailable });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, () => policy(op)(new AbortController().signal)),
      );
      expect(outcomes.every((o) => o.status === 'rejected' && unavailable(o.reason))).toBe(true);
      expect(op.calls()).toBe(100 + budget.stats().retriesAllowed);
      expect(budget.stats().retriesAllowed).toBe(10);
      expect((await lab.stats()).calls).toBe(0); // nothing got through the cut
    } finally {
      await lab.proxy.restore();
    }
  });
});
