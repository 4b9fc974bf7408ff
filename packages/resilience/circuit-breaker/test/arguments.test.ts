// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { execute } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { CircuitBreakerArgumentError, circuitBreaker, isCircuitBreakerError } from '../src/index.ts';
import { naiveCircuitBreaker } from '../src/naive.ts';

const consecutive = { kind: 'consecutive', threshold: 3 } as const;
const rate = { kind: 'rate', threshold: 0.5, windowMs: 10_000, minimumThroughput: 10 } as const;
const breaker = circuitBreaker({ strategy: consecutive, halfOpenAfterMs: 1000 });
const ok = async (): Promise<number> => 1;

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => circuitBreaker(undefined as never), 'options must be an object (got undefined)'],
  [
    'missing strategy',
    () => circuitBreaker({ halfOpenAfterMs: 1000 } as never),
    'options.strategy must be an object (got undefined)',
  ],
  [
    'unknown strategy kind',
    () => circuitBreaker({ strategy: { kind: 'count', threshold: 3 } as never, halfOpenAfterMs: 1000 }),
    'options.strategy.kind must be one of "consecutive", "rate" (got "count")',
  ],
  [
    'consecutive threshold of 0',
    () => circuitBreaker({ strategy: { kind: 'consecutive', threshold: 0 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a positive integer (got 0)',
  ],
  [
    'fractional consecutive threshold',
    () => circuitBreaker({ strategy: { kind: 'consecutive', threshold: 2.5 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a positive integer (got 2.5)',
  ],
  [
    'rate threshold of 1 (a share above 1 never happens)',
    () => circuitBreaker({ strategy: { ...rate, threshold: 1 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a share between 0 and 1, both excluded (got 1)',
  ],
  [
    'rate threshold of 0',
    () => circuitBreaker({ strategy: { ...rate, threshold: 0 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a share between 0 and 1, both excluded (got 0)',
  ],
  [
    'rate threshold given as a percentage',
    () => circuitBreaker({ strategy: { ...rate, threshold: 50 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a share between 0 and 1, both excluded (got 50)',
  ],
  [
    'window of 0 ms',
    () => circuitBreaker({ strategy: { ...rate, windowMs: 0 }, halfOpenAfterMs: 1000 }),
    'options.strategy.windowMs must be a positive integer (got 0)',
  ],
  [
    'minimum throughput of 0',
    () => circuitBreaker({ strategy: { ...rate, minimumThroughput: 0 }, halfOpenAfterMs: 1000 }),
    'options.strategy.minimumThroughput must be a positive integer (got 0)',
  ],
  [
    'zero buckets',
    () => circuitBreaker({ strategy: { ...rate, buckets: 0 }, halfOpenAfterMs: 1000 }),
    'options.strategy.buckets must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'window not a multiple of the buckets',
    () => circuitBreaker({ strategy: { ...rate, windowMs: 10_000, buckets: 3 }, halfOpenAfterMs: 1000 }),
    'options.strategy.windowMs must be a multiple of options.strategy.buckets (3) (got 10000)',
  ],
  [
    'missing halfOpenAfterMs',
    () => circuitBreaker({ strategy: consecutive } as never),
    'options.halfOpenAfterMs must be a positive integer (got undefined)',
  ],
  [
    'negative halfOpenAfterMs',
    () => circuitBreaker({ strategy: consecutive, halfOpenAfterMs: -1 }),
    'options.halfOpenAfterMs must be a positive integer (got -1)',
  ],
  [
    'clock that is not a Clock',
    () => circuitBreaker({ strategy: consecutive, halfOpenAfterMs: 1000, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'isFailure that is not a function',
    () => circuitBreaker({ strategy: consecutive, halfOpenAfterMs: 1000, isFailure: true as never }),
    'options.isFailure must be a function (got a boolean)',
  ],
  [
    'operation that is not a function',
    () => breaker('GET /users' as never),
    'operation must be a function (got a string)',
  ],
  [
    'signal that is not an AbortSignal',
    () => breaker(ok)('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'listener that is not a function',
    () => breaker.onStateChange(null as never),
    'listener must be a function (got null)',
  ],
  [
    'bad threshold, naive version',
    () => naiveCircuitBreaker({ strategy: { kind: 'consecutive', threshold: -2 }, halfOpenAfterMs: 1000 }),
    'options.strategy.threshold must be a positive integer (got -2)',
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
    expect(err).toBeInstanceOf(CircuitBreakerArgumentError);
    expect(isCircuitBreakerError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('accepts the smallest valid options and runs the operation', async () => {
    const b = circuitBreaker({
      strategy: { ...rate, windowMs: 1, buckets: 1, minimumThroughput: 1 },
      halfOpenAfterMs: 1,
    });
    await expect(execute(b(ok))).resolves.toBe(1);
  });
});
