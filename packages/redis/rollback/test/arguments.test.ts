// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RollbackArgumentError,
  claim,
  debit,
  insert,
  isRollbackError,
  saga,
  type Saga,
  type SagaOptions,
} from '../src/index.ts';
import { naiveSaga } from '../src/naive.ts';
import { tripSteps, type Trip } from '../src/trip.ts';
import { keysUnder, newTrip } from './helpers.ts';

let redis: Redis;
let trips: Saga<Trip>;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'rollback_args' }); // a key prefix of its own
  redis = redisNs.client();
  trips = saga(redis, { name: 'trips', steps: tripSteps });
});
afterAll(() => redisNs?.close());

const options = (more: Partial<SagaOptions<Trip>>): SagaOptions<Trip> => ({ name: 'trips', steps: tripSteps, ...more });
const trip = newTrip('args');
const withSteps = (steps: unknown) => saga(redis, { name: 'x', steps: steps as never });
const oneStep = <I>(step: SagaOptions<I>['steps'][number]) => saga<I>(redis, { name: 'one', steps: [step] });

const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => saga({} as never, options({})),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => saga(redis, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => saga(redis, options({ name: '' })), 'options.name must be a non-empty string (got "")'],
  [
    'name that is not a string',
    () => saga(redis, options({ name: 42 as never })),
    'options.name must be a non-empty string (got 42)',
  ],
  ['missing steps', () => withSteps(undefined), 'options.steps must be a non-empty array of steps (got undefined)'],
  ['no steps', () => withSteps([]), 'options.steps must be a non-empty array of steps (got an array)'],
  [
    'a step that is not a step',
    () => withSteps([null]),
    'options.steps[0] must be a step made by claim(), debit() or insert() (got null)',
  ],
  [
    'a step of an unknown kind',
    () => withSteps([{ ...claim('a', () => 'k'), kind: 'refund' }]),
    'options.steps[0].kind must be one of "claim", "debit", "insert" (got "refund")',
  ],
  [
    'a step without a name',
    () => withSteps([claim('', () => 'k')]),
    'options.steps[0].name must be a non-empty string (got "")',
  ],
  [
    'two steps with one name',
    () => withSteps([claim('take', () => 'a'), claim('take', () => 'b')]),
    'options.steps[1].name must be unique within the saga (got "take")',
  ],
  [
    'a step whose key is not a function',
    () => withSteps([{ ...claim('a', () => 'k'), key: 'seat:1' }]),
    'options.steps[0].key must be a function (got a string)',
  ],
  ['zero lease', () => saga(redis, options({ leaseMs: 0 })), 'options.leaseMs must be a positive integer (got 0)'],
  [
    'fractional retention',
    () => saga(redis, options({ retainMs: 1.5 })),
    'options.retainMs must be a positive integer (got 1.5)',
  ],
  [
    'clock that is not a Clock',
    () => saga(redis, options({ clock: {} as never })),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'onStep that is not a function',
    () => saga(redis, options({ onStep: 'log' as never })),
    'options.onStep must be a function (got a string)',
  ],
  ['empty saga id', () => trips.run('', trip), 'id must be a non-empty string (got "")'],
  ['saga id that is not a string', () => trips.run(7 as never, trip), 'id must be a non-empty string (got 7)'],
  ['missing input', () => trips.run('t', undefined as never), 'input must be an object (got undefined)'],
  [
    'input that JSON cannot hold',
    () => trips.run('t', { ...trip, extra: 1n } as never),
    'input must be serialisable as JSON (got an object)',
  ],
  [
    'signal that is not an AbortSignal',
    () => trips.run('t', trip, { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'a price that is not a positive integer',
    () => trips.run('t', { ...trip, price: -5 }),
    'step "debit-wallet": amount(input) must be a positive integer (got -5)',
  ],
  [
    'an empty key from the input',
    () => oneStep(claim<{ k: string }>('take', (i) => i.k)).run('t', { k: '' }),
    'step "take": key(input) must be a non-empty string (got "")',
  ],
  [
    'insert fields that are empty',
    () =>
      oneStep(
        insert(
          'rec',
          () => 'k',
          () => ({}),
        ),
      ).run('t', {}),
    'step "rec": fields(input) must have at least one field (got "{}")',
  ],
  [
    'insert fields that use "saga"',
    () =>
      oneStep(
        insert(
          'rec',
          () => 'k',
          () => ({ saga: 'mine' }),
        ),
      ).run('t', {}),
    'step "rec": fields(input) must not use the field "saga" (the step writes it) (got "saga")',
  ],
  [
    'an insert field that is not a string',
    () =>
      oneStep(
        insert(
          'rec',
          () => 'k',
          () => ({ price: 3 as never }),
        ),
      ).run('t', {}),
    'step "rec": fields(input).price must be a string (got a number)',
  ],
  [
    'a debit amount that is not a number',
    () =>
      oneStep(
        debit(
          'pay',
          () => 'w',
          () => '3' as never,
        ),
      ).run('t', {}),
    'step "pay": amount(input) must be a positive integer (got "3")',
  ],
  [
    'recover with a signal that is not an AbortSignal',
    () => trips.recover({ signal: {} as never }),
    'signal must be an AbortSignal (got an object)',
  ],
  ['inspect without an id', () => trips.inspect(undefined as never), 'id must be a non-empty string (got undefined)'],
  [
    'empty name, naive version',
    () => naiveSaga(redis, options({ name: '' })),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'a price that is not a positive integer, naive version',
    () => naiveSaga(redis, options({})).run('t', { ...trip, price: 0 }),
    'step "debit-wallet": amount(input) must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(RollbackArgumentError);
    expect(isRollbackError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    expect(await keysUnder(redis, redisNs.prefix)).toEqual([]);
  });
});
