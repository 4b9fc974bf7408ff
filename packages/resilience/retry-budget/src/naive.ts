// What people have without a budget: each caller retries on its own, up to its attempts. During an
// outage every request fails every attempt, so the failing service receives attempts x the load just
// when it can least take it. Same options as budgetedRetry() minus the budget.
// Not exported from the main entry: import it from 'poc-resilience-retry-budget/naive'.
import type { Policy } from '@poc/kit';
import { retry, type RetryOptions } from 'poc-resilience-backoff-jitter';

export function plainRetry(options: RetryOptions): Policy {
  return retry(options);
}
