// pnpm --filter poc-resilience-retry-budget bench: the load a failing service receives from retrying
// clients, with plain retries (the POC's retry without a budget), with the retry budget, and with
// cockatiel's retry (which has no budget), in the same rounds. The lab service (fastify, its own process,
// behind toxiproxy) counts the calls that reach it. Two phases: an outage (every call 503) and a transient
// failure period (every 10th call 503). Writes bench/results.json (never edit it by hand).
import { benchReport, compareRounds, serverFor } from '@poc/harness';
import { runMain, type Policy } from '@poc/kit';
import { ExponentialBackoff, handleWhen, retry as cockatielRetry } from 'cockatiel';
import { budgetedRetry, isRetryBudgetError, retryBudget } from '../src/index.ts';
import { startLab } from '../src/lab/lab.ts';
import { runScenario, type ScenarioResult } from '../src/lab/scenario.ts';
import { plainRetry } from '../src/naive.ts';

const CLIENTS = 20;
const PER_CLIENT = 50;
const ATTEMPTS = 4;
const BASE_MS = 2;
const CAP_MS = 50;
const RATIO = 0.1;
const MIN_PER_SECOND = 10;
const WINDOW_MS = 10_000;
const FAIL_EVERY = 10;
const ROUNDS = 5;

const unavailable = (e: unknown): boolean => isRetryBudgetError(e, 'unavailable');
const retryOptions = {
  attempts: ATTEMPTS,
  backoff: { kind: 'full', baseMs: BASE_MS, capMs: CAP_MS },
  shouldRetry: unavailable,
} as const;

/** A fresh policy per run: the budget starts empty of requests, as after a deploy. */
const policies: Record<string, () => Policy> = {
  plain: () => plainRetry(retryOptions),
  budget: () =>
    budgetedRetry(retryBudget({ ratio: RATIO, minPerSecond: MIN_PER_SECOND, windowMs: WINDOW_MS }), retryOptions),
  cockatiel: () => {
    // cockatiel's documented retry: maxAttempts counts retries; ExponentialBackoff defaults to decorrelated jitter.
    const p = cockatielRetry(handleWhen(unavailable), {
      maxAttempts: ATTEMPTS - 1,
      backoff: new ExponentialBackoff({ initialDelay: BASE_MS, maxDelay: CAP_MS }),
    });
    return (op) => (signal) => p.execute(({ signal: s }) => op(s), signal);
  },
};

runMain(async () => {
  const toxiproxy = await serverFor('toxiproxy');
  const lab = await startLab();
  try {
    const report = benchReport({
      parameters: {
        clients: CLIENTS,
        requestsPerClient: PER_CLIENT,
        attempts: ATTEMPTS,
        backoff: `full jitter, base ${BASE_MS} ms, cap ${CAP_MS} ms (cockatiel: its decorrelated default, same base and cap)`,
        budget: `ratio ${RATIO}, minPerSecond ${MIN_PER_SECOND}, windowMs ${WINDOW_MS}`,
        outage: 'every call answered 503',
        transient: `every ${FAIL_EVERY}th call answered 503`,
        path: `client -> toxiproxy ${toxiproxy.version} (no toxic) -> fastify in its own process`,
        rounds: ROUNDS,
      },
      services: ['toxiproxy'],
    });
    await lab.setMode('up');
    await runScenario(lab, policies.plain!(), CLIENTS, 10); // warm-up: connections and JIT

    for (const [id, mode, title] of [
      ['outage', 'down', 'outage (every call 503)'],
      ['transient', 'flaky', `transient failures (every ${FAIL_EVERY}th call 503)`],
    ] as const) {
      await lab.setMode(mode, FAIL_EVERY);
      const runs = new Map<string, ScenarioResult[]>(Object.keys(policies).map((n) => [n, []]));
      const comparison = await compareRounds({
        id,
        title: `${title}: logical requests per call reaching the service (1 / load multiplier; higher = less load)`,
        variants: Object.fromEntries(
          Object.entries(policies).map(([name, make]) => [
            name,
            async () => {
              const r = await runScenario(lab, make(), CLIENTS, PER_CLIENT);
              runs.get(name)!.push(r);
              // Failed requests are the scenario here, not a fault of the run: their share is a fact below.
              return { ops: r.requests, seconds: r.calls };
            },
          ]),
        ),
        baseline: 'plain',
        rounds: ROUNDS,
        kind: 'load',
        concurrency: CLIENTS,
        unit: 'requests/call',
      });
      report.add(comparison);
      for (const [name, list] of runs) {
        const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        report.add({
          id: `load-${id}-${name}`,
          title: `${title}, ${name}: calls reaching the service per request (median of rounds)`,
          value: Number(median(list.map((r) => r.calls / r.requests)).toFixed(3)),
          unit: 'x',
        });
        report.add({
          id: `success-${id}-${name}`,
          title: `${title}, ${name}: requests that succeeded (median of rounds)`,
          value: Number((100 * median(list.map((r) => r.succeeded / r.requests))).toFixed(1)),
          unit: '%',
        });
      }
    }
    await report.finish(
      `POC's own claim: in an outage, plain retries multiply the load on the failing service by {fact:load-outage-plain} (cockatiel, which has no budget: {fact:load-outage-cockatiel}); the retry budget (10% + 10/s) by {fact:load-outage-budget}, i.e. {ratio:outage/budget} less load; with ${100 / FAIL_EVERY}% transient failures it still lets the retries through ({ratio:transient/budget} vs plain; {fact:success-transient-budget} of requests succeed, plain {fact:success-transient-plain}).`,
    );
  } finally {
    await lab.close();
  }
});
