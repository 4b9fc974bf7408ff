// pnpm --filter poc-resilience-retry-budget demo: a fastify service in its own process behind toxiproxy;
// 20 clients make 50 requests each, first while the service fails 10% of calls, then during an outage
// (every call 503), with plain retries and with a retry budget; the service counts what reached it.
import { serverFor } from '@poc/harness';
import { runMain, type Policy } from '@poc/kit';
import { budgetedRetry, isRetryBudgetError, retryBudget } from './index.ts';
import { startLab } from './lab/lab.ts';
import { runScenario } from './lab/scenario.ts';
import { plainRetry } from './naive.ts';

const CLIENTS = 20;
const PER_CLIENT = 50;
const ATTEMPTS = 4;
const RATIO = 0.1;
const MIN_PER_SECOND = 10;
const say = (line = ''): void => console.log(line);
const retryOptions = {
  attempts: ATTEMPTS,
  backoff: { kind: 'full', baseMs: 2, capMs: 50 },
  shouldRetry: (e: unknown) => isRetryBudgetError(e, 'unavailable'),
} as const;

runMain(async () => {
  const toxiproxy = await serverFor('toxiproxy');
  const lab = await startLab();
  try {
    say(
      `Retry budget demo: fastify service in its own process behind toxiproxy ${toxiproxy.version} (${toxiproxy.provider})`,
    );
    say(
      `${CLIENTS} clients x ${PER_CLIENT} requests, up to ${ATTEMPTS} attempts each (full jitter); budget: ratio ${RATIO}, ${MIN_PER_SECOND}/s reserve, 10 s window`,
    );
    for (const [phase, mode] of [
      ['10% of calls fail', 'flaky'],
      ['outage: every call 503', 'down'],
    ] as const) {
      await lab.setMode(mode, 10);
      say();
      say(`${phase}:`);
      const budget = retryBudget({ ratio: RATIO, minPerSecond: MIN_PER_SECOND });
      const variants: Array<[string, Policy]> = [
        ['plain retries', plainRetry(retryOptions)],
        ['retry budget', budgetedRetry(budget, retryOptions)],
      ];
      for (const [name, policy] of variants) {
        const r = await runScenario(lab, policy, CLIENTS, PER_CLIENT);
        say(
          `  ${name.padEnd(14)} ${r.calls} calls reached the service for ${r.requests} requests: load x${(r.calls / r.requests).toFixed(2)}, ${r.succeeded} succeeded`,
        );
      }
      const s = budget.stats();
      say(`  budget: ${s.retriesAllowed} retries allowed, ${s.retriesRefused} refused`);
    }
  } finally {
    await lab.close();
  }
});
