// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
// The loader wrapper, the trace replayer and the workloads are poc-caching-lru's: their rows are in its
// arguments test.
import { describe, expect, it } from 'vitest';
import { LfuArgumentError, countMinSketch, isLfuError, lfu, wTinyLfu } from '../src/index.ts';
import { naiveLfu } from '../src/naive.ts';

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => lfu(undefined as never), 'options must be an object (got undefined)'],
  ['capacity 0', () => lfu({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  ['halveEvery 0', () => lfu({ capacity: 1, halveEvery: 0 }), 'options.halveEvery must be a positive integer (got 0)'],
  ['capacity 0, naive version', () => naiveLfu({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  [
    'W-TinyLFU capacity 1',
    () => wTinyLfu({ capacity: 1 }),
    'options.capacity must be an integer from 2 to 9007199254740991 (got 1)',
  ],
  [
    'windowPercent 60',
    () => wTinyLfu({ capacity: 10, windowPercent: 60 }),
    'options.windowPercent must be a number from 1 to 50 (got 60)',
  ],
  [
    'protectedPercent 100',
    () => wTinyLfu({ capacity: 10, protectedPercent: 100 }),
    'options.protectedPercent must be a number from 1 to 99 (got 100)',
  ],
  [
    'sampleFactor 0.5',
    () => wTinyLfu({ capacity: 10, sampleFactor: 0.5 }),
    'options.sampleFactor must be an integer from 1 to 100 (got 0.5)',
  ],
  [
    'sketch width 0',
    () => countMinSketch({ width: 0, sampleSize: 1 }),
    'options.width must be a positive integer (got 0)',
  ],
  [
    'sketch sampleSize -1',
    () => countMinSketch({ width: 1, sampleSize: -1 }),
    'options.sampleSize must be a positive integer (got -1)',
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
    expect(err).toBeInstanceOf(LfuArgumentError);
    expect(isLfuError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
