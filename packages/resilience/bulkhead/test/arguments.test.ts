// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { describe, expect, it } from 'vitest';
import { BulkheadArgumentError, bulkhead, isBulkheadError } from '../src/index.ts';
import { unbounded } from '../src/naive.ts';

const subject = bulkhead({ limit: 1, queue: 0 });
const ok = { limit: 1, queue: 0 };

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => bulkhead(undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => bulkhead({ ...ok, name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'name that is not a string',
    () => bulkhead({ ...ok, name: 42 as never }),
    'options.name must be a non-empty string (got 42)',
  ],
  ['missing limit', () => bulkhead({ queue: 0 } as never), 'options.limit must be a positive integer (got undefined)'],
  ['limit 0', () => bulkhead({ ...ok, limit: 0 }), 'options.limit must be a positive integer (got 0)'],
  ['fractional limit', () => bulkhead({ ...ok, limit: 1.5 }), 'options.limit must be a positive integer (got 1.5)'],
  ['negative queue', () => bulkhead({ ...ok, queue: -1 }), 'options.queue must be a non-negative integer (got -1)'],
  [
    'infinite queue',
    () => bulkhead({ ...ok, queue: Infinity }),
    'options.queue must be a non-negative integer (got Infinity)',
  ],
  [
    'queueTimeoutMs 0',
    () => bulkhead({ ...ok, queueTimeoutMs: 0 }),
    'options.queueTimeoutMs must be a positive integer (got 0)',
  ],
  [
    'clock that is not a Clock',
    () => bulkhead({ ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['operation that is not a function', () => subject('fetch' as never), 'operation must be a function (got a string)'],
  [
    'signal that is not an AbortSignal',
    () => subject(() => Promise.resolve(1))('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['limit 0, naive version', () => unbounded({ ...ok, limit: 0 }), 'options.limit must be a positive integer (got 0)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(BulkheadArgumentError);
    expect(isBulkheadError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
