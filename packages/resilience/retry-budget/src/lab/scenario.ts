// The workload of the bench and the demo: `clients` callers each make `perClient` requests in sequence
// through a policy, against the lab service; the service counts the calls that reached it.
import type { Policy } from '@poc/kit';
import { isRetryBudgetError } from '../errors.ts';
import { workCall } from './client.ts';
import type { Lab } from './lab.ts';

export interface ScenarioResult {
  requests: number;
  succeeded: number;
  /** Calls that reached the service (its own count). */
  calls: number;
  ms: number;
}

export async function runScenario(
  lab: Lab,
  policy: Policy,
  clients: number,
  perClient: number,
): Promise<ScenarioResult> {
  await lab.reset();
  const op = workCall(lab.url);
  let succeeded = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        try {
          await policy(op)(new AbortController().signal);
          succeeded++;
        } catch (e) {
          if (!isRetryBudgetError(e, 'unavailable')) throw e;
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  const { calls } = await lab.stats();
  return { requests: clients * perClient, succeeded, calls, ms };
}
