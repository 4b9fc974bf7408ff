// The public API of poc-resilience-retry-budget: retryBudget() (a kit Policy with stats and the
// allowRetry predicate) and budgetedRetry() composing it with poc-resilience-backoff-jitter's retry().
// The plain-retry baseline is behind 'poc-resilience-retry-budget/naive', the lab service and its
// client behind 'poc-resilience-retry-budget/lab'.
export { retryBudget, SLOTS, type RetryBudget, type RetryBudgetOptions, type RetryBudgetStats } from './budget.ts';
export { budgetedRetry } from './budgeted-retry.ts';
export {
  RetryBudgetError,
  RetryBudgetArgumentError,
  ServiceUnavailableError,
  isRetryBudgetError,
  type AnyRetryBudgetError,
  type RetryBudgetErrorCode,
} from './errors.ts';
