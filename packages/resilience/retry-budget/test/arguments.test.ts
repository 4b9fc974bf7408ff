// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { describe, expect, it } from 'vitest';
import { RetryBudgetArgumentError, budgetedRetry, isRetryBudgetError, retryBudget } from '../src/index.ts';

const budget = retryBudget({ ratio: 0.1 });
const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => retryBudget(undefined as never), 'options must be an object (got undefined)'],
  ['missing ratio', () => retryBudget({} as never), 'options.ratio must be a finite number >= 0 (got undefined)'],
  ['negative ratio', () => retryBudget({ ratio: -0.1 }), 'options.ratio must be a finite number >= 0 (got -0.1)'],
  ['NaN ratio', () => retryBudget({ ratio: NaN }), 'options.ratio must be a finite number >= 0 (got NaN)'],
  [
    'negative minPerSecond',
    () => retryBudget({ ratio: 0.1, minPerSecond: -1 }),
    'options.minPerSecond must be a finite number >= 0 (got -1)',
  ],
  [
    'infinite minPerSecond',
    () => retryBudget({ ratio: 0.1, minPerSecond: Infinity }),
    'options.minPerSecond must be a finite number >= 0 (got Infinity)',
  ],
  [
    'windowMs below 10',
    () => retryBudget({ ratio: 0.1, windowMs: 9 }),
    'options.windowMs must be an integer >= 10 (got 9)',
  ],
  [
    'fractional windowMs',
    () => retryBudget({ ratio: 0.1, windowMs: 1000.5 }),
    'options.windowMs must be an integer >= 10 (got 1000.5)',
  ],
  [
    'clock that is not a Clock',
    () => retryBudget({ ratio: 0.1, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['operation that is not a function', () => budget('go' as never), 'operation must be a function (got a string)'],
  [
    'budgetedRetry without a budget',
    () => budgetedRetry({} as never, { attempts: 2, backoff: { kind: 'full', baseMs: 1, capMs: 2 } }),
    'budget must be a RetryBudget (got an object)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RetryBudgetArgumentError);
    expect(isRetryBudgetError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it("passes the retry's own bad options on as poc-resilience-backoff-jitter reports them", () => {
    expect(() => budgetedRetry(budget, { attempts: 0, backoff: { kind: 'full', baseMs: 1, capMs: 2 } })).toThrow(
      'options.attempts must be a positive integer (got 0)',
    );
  });
});
