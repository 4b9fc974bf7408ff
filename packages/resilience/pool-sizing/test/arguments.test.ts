// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolSizingArgumentError, isPoolSizingError, littleSize, poolMetrics, saturationAlarm } from '../src/index.ts';
import { naiveAlarm } from '../src/naive.ts';

// Never connects: a pg.Pool opens nothing until a checkout.
const pool = new pg.Pool({ max: 2 });
const instrumented = new pg.Pool({ max: 2 });
poolMetrics(instrumented);
afterAll(() => Promise.all([pool.end(), instrumented.end()]));
const clock = new ManualClock();
const alarm = saturationAlarm({ waitingAbove: 1, forMs: 10, clock });

const cases: Array<[string, () => unknown, string]> = [
  ['pool that is not a pg.Pool', () => poolMetrics({} as never), 'pool must be a pg.Pool (got an object)'],
  [
    'pool instrumented twice',
    () => poolMetrics(instrumented),
    'pool is already instrumented (detach() first) (got "an instrumented pool")',
  ],
  ['options that are not an object', () => poolMetrics(pool, 5 as never), 'options must be an object (got a number)'],
  [
    'clock that is not a Clock',
    () => poolMetrics(pool, { clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'registry that is not a Registry',
    () => poolMetrics(pool, { registry: {} as never }),
    'options.registry must be a prom-client Registry (got an object)',
  ],
  [
    'prefix with a dash',
    () => poolMetrics(pool, { prefix: 'pg-pool_' }),
    'options.prefix must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*) (got "pg-pool_")',
  ],
  [
    'empty buckets',
    () => poolMetrics(pool, { buckets: [] }),
    'options.buckets must be a non-empty ascending array of positive seconds (got an array)',
  ],
  [
    'buckets out of order',
    () => poolMetrics(pool, { buckets: [1, 0.5] }),
    'options.buckets must be a non-empty ascending array of positive seconds (got an array)',
  ],
  [
    'a registry with the prefix taken',
    () => {
      const registry = new Registry();
      poolMetrics(new pg.Pool(), { registry });
      return poolMetrics(new pg.Pool(), { registry });
    },
    'options.prefix is already used in this registry (give each pool its own) (got "pg_pool_")',
  ],
  ['littleSize without options', () => littleSize(undefined as never), 'options must be an object (got undefined)'],
  [
    'arrivalRate 0',
    () => littleSize({ arrivalRate: 0, serviceTimeMs: 10 }),
    'options.arrivalRate must be a finite number > 0 (got 0)',
  ],
  [
    'serviceTimeMs NaN',
    () => littleSize({ arrivalRate: 1, serviceTimeMs: NaN }),
    'options.serviceTimeMs must be a finite number > 0 (got NaN)',
  ],
  [
    'negative headroom',
    () => littleSize({ arrivalRate: 1, serviceTimeMs: 1, headroom: -0.1 }),
    'options.headroom must be a number from 0 to 10 (got -0.1)',
  ],
  ['alarm without options', () => saturationAlarm(undefined as never), 'options must be an object (got undefined)'],
  [
    'waitingAbove -1',
    () => saturationAlarm({ waitingAbove: -1, forMs: 0 }),
    'options.waitingAbove must be a non-negative integer (got -1)',
  ],
  [
    'forMs 1.5',
    () => saturationAlarm({ waitingAbove: 1, forMs: 1.5 }),
    'options.forMs must be a non-negative integer (got 1.5)',
  ],
  [
    'clearAtOrBelow above waitingAbove',
    () => saturationAlarm({ waitingAbove: 1, forMs: 0, clearAtOrBelow: 2 }),
    'options.clearAtOrBelow must be <= options.waitingAbove (1) (got 2)',
  ],
  [
    'clearForMs "1s"',
    () => saturationAlarm({ waitingAbove: 1, forMs: 0, clearForMs: '1s' as never }),
    'options.clearForMs must be a non-negative integer (got "1s")',
  ],
  [
    'alarm clock that is not a Clock',
    () => saturationAlarm({ waitingAbove: 1, forMs: 0, clock: Date as never }),
    'options.clock must be a Clock (got a function)',
  ],
  [
    'onChange that is not a function',
    () => saturationAlarm({ waitingAbove: 1, forMs: 0, onChange: 'page' as never }),
    'options.onChange must be a function (got a string)',
  ],
  ['a sample of -1', () => alarm.observe(-1), 'waiting must be a non-negative integer (got -1)'],
  ['watch every 0 ms', () => alarm.watch(() => 0, 0), 'everyMs must be a positive integer (got 0)'],
  ['watch without a reader', () => alarm.watch(undefined as never, 10), 'read must be a function (got undefined)'],
  [
    'naive alarm, clearAtOrBelow above waitingAbove',
    () => naiveAlarm({ waitingAbove: 0, forMs: 0, clearAtOrBelow: 1 }),
    'options.clearAtOrBelow must be <= options.waitingAbove (0) (got 1)',
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
    expect((err as Error).message).toBe(message);
    expect(err).toBeInstanceOf(PoolSizingArgumentError);
    expect(isPoolSizingError(err, 'argument')).toBe(true);
  });
});
