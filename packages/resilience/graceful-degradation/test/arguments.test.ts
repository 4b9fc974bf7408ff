// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { describe, expect, it } from 'vitest';
import { GracefulDegradationArgumentError, fallback, isGracefulDegradationError, withFallback } from '../src/index.ts';
import { naiveFallback } from '../src/naive.ts';

const policy = fallback({ to: () => 1 });

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => fallback(undefined as never), 'options must be an object (got undefined)'],
  ['missing to', () => fallback({} as never), 'options.to must be a function (got undefined)'],
  ['to that is a value', () => fallback({ to: 'stale' as never }), 'options.to must be a function (got a string)'],
  [
    'when that is not a function',
    () => fallback({ to: () => 1, when: true as never }),
    'options.when must be a function (got a boolean)',
  ],
  ['operation that is not a function', () => policy(null as never), 'operation must be a function (got null)'],
  [
    'signal that is not an AbortSignal',
    () => policy(async () => 1)('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'withFallback without options',
    () => withFallback(async () => 1, undefined as never),
    'options must be an object (got undefined)',
  ],
  ['naive variant without to', () => naiveFallback({} as never), 'options.to must be a function (got undefined)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GracefulDegradationArgumentError);
    expect(isGracefulDegradationError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
