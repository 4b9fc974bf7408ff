// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import Fastify from 'fastify';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  Deadline,
  TimeoutsArgumentError,
  deadlineFromHeader,
  deadlineHeader,
  deadlineHook,
  isTimeoutsError,
  pgQuery,
  timeout,
} from '../src/index.ts';
import { naiveTimeout } from '../src/naive.ts';

const policy = timeout({ ms: 10 });
const pool = new pg.Pool(); // never connects: every row fails before a query is sent
const signal = new AbortController().signal;

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => timeout(undefined as never), 'options must be an object (got undefined)'],
  ['ms 0', () => timeout({ ms: 0 }), 'options.ms must be a positive integer (got 0)'],
  ['fractional ms', () => timeout({ ms: 1.5 }), 'options.ms must be a positive integer (got 1.5)'],
  ['ms as a string', () => timeout({ ms: '500' as never }), 'options.ms must be a positive integer (got "500")'],
  ['empty name', () => timeout({ ms: 1, name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'clock that is not a Clock',
    () => timeout({ ms: 1, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['operation that is not a function', () => policy('fetch' as never), 'operation must be a function (got a string)'],
  [
    'signal that is not an AbortSignal',
    () => policy(() => Promise.resolve(1))('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['negative deadline', () => Deadline.after(-1), 'ms must be a non-negative integer (got -1)'],
  ['deadline at NaN', () => Deadline.at(NaN), 'epochMs must be a non-negative integer (got NaN)'],
  ['negative reserve', () => Deadline.after(10).budget(-5), 'reserveMs must be a non-negative integer (got -5)'],
  ['header of something else', () => deadlineHeader({ at: 1 } as never), 'deadline must be a Deadline (got an object)'],
  [
    'budget header that is not a number',
    () => deadlineFromHeader('soon'),
    'x-timeout-ms must be a whole number of ms (got "soon")',
  ],
  ['negative budget header', () => deadlineFromHeader('-5'), 'x-timeout-ms must be a whole number of ms (got "-5")'],
  [
    'hook reserve',
    () => deadlineHook(Fastify(), { reserveMs: -1 }),
    'options.reserveMs must be a non-negative integer (got -1)',
  ],
  ['hook options', () => deadlineHook(Fastify(), 'fast' as never), 'options must be an object (got a string)'],
  [
    'pgQuery without a client',
    () => pgQuery(null as never, 'SELECT 1', [], signal),
    'db must be a pg Pool or Client (got null)',
  ],
  ['pgQuery with empty SQL', () => pgQuery(pool, '', [], signal), 'sql must be a non-empty string (got "")'],
  [
    'pgQuery values not an array',
    () => pgQuery(pool, 'SELECT $1', 'x' as never, signal),
    'values must be an array (got a string)',
  ],
  [
    'pgQuery without a signal',
    () => pgQuery(pool, 'SELECT 1', [], undefined as never),
    'signal must be an AbortSignal (got undefined)',
  ],
  ['ms 0, naive version', () => naiveTimeout({ ms: 0 }), 'options.ms must be a positive integer (got 0)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TimeoutsArgumentError);
    expect(isTimeoutsError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
