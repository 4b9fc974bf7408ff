// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { describe, expect, it } from 'vitest';
import { BackoffJitterArgumentError, isBackoffJitterError, retry, type RetryOptions } from '../src/index.ts';
import { naiveRetry } from '../src/naive.ts';

const ok: RetryOptions = { attempts: 3, backoff: { kind: 'full', baseMs: 10, capMs: 100 } };
const withBackoff = (backoff: object): RetryOptions => ({ ...ok, backoff: { ...ok.backoff, ...backoff } as never });
const op = async (): Promise<number> => 1;

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => retry(undefined as never), 'options must be an object (got undefined)'],
  ['attempts of 0', () => retry({ ...ok, attempts: 0 }), 'options.attempts must be a positive integer (got 0)'],
  [
    'fractional attempts',
    () => retry({ ...ok, attempts: 2.5 }),
    'options.attempts must be a positive integer (got 2.5)',
  ],
  [
    'infinite attempts',
    () => retry({ ...ok, attempts: Infinity }),
    'options.attempts must be a positive integer (got Infinity)',
  ],
  ['missing backoff', () => retry({ attempts: 3 } as never), 'options.backoff must be an object (got undefined)'],
  [
    'unknown kind',
    () => retry(withBackoff({ kind: 'jitter' })),
    'options.backoff.kind must be one of "none", "exponential", "full", "equal", "decorrelated" (got "jitter")',
  ],
  [
    'negative baseMs',
    () => retry(withBackoff({ baseMs: -1 })),
    'options.backoff.baseMs must be a finite number >= 0 (got -1)',
  ],
  [
    'NaN baseMs',
    () => retry(withBackoff({ baseMs: NaN })),
    'options.backoff.baseMs must be a finite number >= 0 (got NaN)',
  ],
  [
    'capMs below baseMs',
    () => retry(withBackoff({ baseMs: 10, capMs: 5 })),
    'options.backoff.capMs must be a finite number >= baseMs (10) (got 5)',
  ],
  [
    'infinite capMs',
    () => retry(withBackoff({ capMs: Infinity })),
    'options.backoff.capMs must be a finite number >= baseMs (10) (got Infinity)',
  ],
  [
    'shouldRetry not a function',
    () => retry({ ...ok, shouldRetry: true as never }),
    'options.shouldRetry must be a function (got a boolean)',
  ],
  [
    'allow not a function',
    () => retry({ ...ok, allow: {} as never }),
    'options.allow must be a function (got an object)',
  ],
  [
    'onRetry not a function',
    () => retry({ ...ok, onRetry: 'log' as never }),
    'options.onRetry must be a function (got a string)',
  ],
  [
    'random not a function',
    () => retry({ ...ok, random: 0.5 as never }),
    'options.random must be a function (got a number)',
  ],
  [
    'clock that is not a Clock',
    () => retry({ ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['operation that is not a function', () => retry(ok)('go' as never), 'operation must be a function (got a string)'],
  [
    'signal that is not an AbortSignal',
    () => retry(ok)(op)('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'naive: attempts of 0',
    () => naiveRetry({ attempts: 0, delayMs: 1 }),
    'options.attempts must be a positive integer (got 0)',
  ],
  [
    'naive: negative delay',
    () => naiveRetry({ attempts: 1, delayMs: -5 }),
    'options.delayMs must be a finite number >= 0 (got -5)',
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
    expect(err).toBeInstanceOf(BackoffJitterArgumentError);
    expect(isBackoffJitterError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
