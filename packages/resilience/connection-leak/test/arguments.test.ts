// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConnectionLeakArgumentError,
  assertNoLeaks,
  isConnectionLeakError,
  leakDetector,
  withClient,
} from '../src/index.ts';
import { naiveWithClient } from '../src/naive.ts';

// Never connects: a pg.Pool opens nothing until a checkout.
const pool = new pg.Pool({ max: 1 });
const watched = new pg.Pool({ max: 1 });
const detector = leakDetector(watched, { maxCheckoutMs: 1_000, onLeak: () => {} });
afterAll(async () => {
  detector.detach();
  await Promise.all([pool.end(), watched.end()]);
});
const ok = { maxCheckoutMs: 1_000, onLeak: () => {} };

const cases: Array<[string, () => unknown, string]> = [
  ['pool that is not a pg.Pool', () => leakDetector({} as never, ok), 'pool must be a pg.Pool (got an object)'],
  [
    'a second detector on one pool',
    () => leakDetector(watched, ok),
    'pool already has a leakDetector (detach() it first) (got "a watched pool")',
  ],
  ['missing options', () => leakDetector(pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'maxCheckoutMs 0',
    () => leakDetector(pool, { ...ok, maxCheckoutMs: 0 }),
    'options.maxCheckoutMs must be a positive integer (got 0)',
  ],
  [
    'maxCheckoutMs missing',
    () => leakDetector(pool, { onLeak: () => {} } as never),
    'options.maxCheckoutMs must be a positive integer (got undefined)',
  ],
  [
    'onLeak missing',
    () => leakDetector(pool, { maxCheckoutMs: 1 } as never),
    'options.onLeak must be a function (got undefined)',
  ],
  [
    'clock that is not a Clock',
    () => leakDetector(pool, { ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'checkEveryMs 1.5',
    () => leakDetector(pool, { ...ok, checkEveryMs: 1.5 }),
    'options.checkEveryMs must be a positive integer (got 1.5)',
  ],
  [
    'captureStack "yes"',
    () => leakDetector(pool, { ...ok, captureStack: 'yes' as never }),
    'options.captureStack must be a boolean (got "yes")',
  ],
  ['withClient without a pool', () => withClient(null as never, async () => 1), 'pool must be a pg.Pool (got null)'],
  ['withClient without fn', () => withClient(pool, undefined as never), 'fn must be a function (got undefined)'],
  ['naiveWithClient without fn', () => naiveWithClient(pool, 42 as never), 'fn must be a function (got a number)'],
  ['assertNoLeaks on a non-pool', () => assertNoLeaks('pool' as never), 'pool must be a pg.Pool (got a string)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as Error).message).toBe(message);
    expect(err).toBeInstanceOf(ConnectionLeakArgumentError);
    expect(isConnectionLeakError(err, 'argument')).toBe(true);
  });
});
