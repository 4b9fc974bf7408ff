// The composition: the budget outside (one request per logical call), the retry of
// poc-resilience-backoff-jitter inside, asking the budget before each retry.
import type { Policy } from '@poc/kit';
import { retry, type RetryOptions } from 'poc-resilience-backoff-jitter';
import type { RetryBudget } from './budget.ts';
import { check } from './errors.ts';

/** compose(budget, retry({ ...options, allow: your allow AND budget.allowRetry })). */
export function budgetedRetry(budget: RetryBudget, options: RetryOptions): Policy {
  check.kind(
    typeof budget === 'function' && typeof (budget as Partial<RetryBudget>).allowRetry === 'function',
    'budget',
    'must be a RetryBudget',
    budget,
  );
  const own = options?.allow;
  const inner = retry({ ...options, allow: (event) => (own ? own(event) : true) && budget.allowRetry() });
  return (operation) => budget(inner(operation));
}
