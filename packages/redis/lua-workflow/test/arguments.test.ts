// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { systemClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LuaWorkflowArgumentError,
  defineMachine,
  isLuaWorkflowError,
  luaWorkflow,
  orderMachine,
  type OrderDefinition,
  type Workflow,
} from '../src/index.ts';
import { naiveWorkflow } from '../src/naive.ts';
import { watchWorkflow } from '../src/watch.ts';

let redis: Redis;
let orders: Workflow<OrderDefinition>;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lw_args' }); // a key prefix of its own
  redis = redisNs.client();
  orders = luaWorkflow(redis, { name: 'orders', machine: orderMachine });
  await orders.create('o');
});
afterAll(() => redisNs?.close());

const machine = orderMachine;
const row = { from: ['a'], to: 'b' };
const cases: Array<[string, () => unknown, string]> = [
  // the store's options
  [
    'redis that is not a client',
    () => luaWorkflow({} as never, { name: 'x', machine }),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => luaWorkflow(redis, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => luaWorkflow(redis, { name: '', machine }), 'options.name must be a non-empty string (got "")'],
  [
    'name that is not a string',
    () => luaWorkflow(redis, { name: 42 as never, machine }),
    'options.name must be a non-empty string (got 42)',
  ],
  [
    'missing machine',
    () => luaWorkflow(redis, { name: 'x' } as never),
    'options.machine must be a machine from defineMachine() (got undefined)',
  ],
  [
    'a definition not passed through defineMachine()',
    () =>
      luaWorkflow(redis, { name: 'x', machine: { name: 'order', initial: 'a', transitions: { go: row } } as never }),
    'options.machine must be a machine from defineMachine() (got an object)',
  ],
  [
    'clock that is not a Clock',
    () => luaWorkflow(redis, { name: 'x', machine, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'clock whose now() is not an integer of ms',
    () => luaWorkflow(redis, { name: 'x', machine, clock: { ...systemClock, now: () => 1.5 } }).create('c'),
    'clock.now() must return a non-negative integer of ms (got 1.5)',
  ],
  // each call's arguments
  ['empty id', () => orders.transition('', 'pay'), 'id must be a non-empty string (got "")'],
  [
    'id with a brace',
    () => orders.create('a{b}'),
    'id must not contain "{" or "}" (the id is the keys\' hash tag) (got "a{b}")',
  ],
  ['empty id to get()', () => orders.get(''), 'id must be a non-empty string (got "")'],
  ['empty id to history()', () => orders.history(''), 'id must be a non-empty string (got "")'],
  [
    'unknown event',
    () => orders.transition('o', 'refund' as never),
    'event must be one of "pay", "ship", "cancel" (got "refund")',
  ],
  [
    '"create" as an event',
    () => orders.transition('o', 'create' as never),
    'event must be one of "pay", "ship", "cancel" (got "create")',
  ],
  [
    'options that are not an object',
    () => orders.transition('o', 'pay', 'x' as never),
    'options must be an object (got a string)',
  ],
  [
    'empty request id',
    () => orders.transition('o', 'pay', { requestId: '' }),
    'options.requestId must be a non-empty string (got "")',
  ],
  [
    'expectedVersion 0',
    () => orders.transition('o', 'pay', { expectedVersion: 0 }),
    'options.expectedVersion must be a positive integer (got 0)',
  ],
  [
    'fractional expectedVersion',
    () => orders.transition('o', 'pay', { expectedVersion: 1.5 }),
    'options.expectedVersion must be a positive integer (got 1.5)',
  ],
  [
    'signal that is not an AbortSignal',
    () => orders.transition('o', 'pay', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  // the machine's definition
  ['definition that is not an object', () => defineMachine(null as never), 'definition must be an object (got null)'],
  [
    'definition without a name',
    () => defineMachine({ name: '', initial: 'a', transitions: { go: row } }),
    'definition.name must be a non-empty string (got "")',
  ],
  [
    'definition without an initial state',
    () => defineMachine({ name: 'm', initial: '', transitions: { go: row } }),
    'definition.initial must be a non-empty string (got "")',
  ],
  [
    'transitions as an array',
    () => defineMachine({ name: 'm', initial: 'a', transitions: [] as never }),
    'definition.transitions must be an object of events (got an array)',
  ],
  [
    'no events',
    () => defineMachine({ name: 'm', initial: 'a', transitions: {} }),
    'definition.transitions must define at least one event (got 0)',
  ],
  [
    'an event named "create"',
    () => defineMachine({ name: 'm', initial: 'a', transitions: { create: row } }),
    'definition.transitions must not define "create" (create() records that event) (got "create")',
  ],
  [
    'an event allowed from no state',
    () => defineMachine({ name: 'm', initial: 'a', transitions: { go: { from: [], to: 'b' } } }),
    'definition.transitions.go.from must be a non-empty array of states (got an array)',
  ],
  [
    'an empty state name',
    () => defineMachine({ name: 'm', initial: 'a', transitions: { go: { from: ['a', ''], to: 'b' } } }),
    'definition.transitions.go.from[1] must be a non-empty string (got "")',
  ],
  [
    'an event without a target state',
    () => defineMachine({ name: 'm', initial: 'a', transitions: { go: { from: ['a'] } as never } }),
    'definition.transitions.go.to must be a non-empty string (got undefined)',
  ],
  // the other variants check the same
  [
    'empty name, naive version',
    () => naiveWorkflow(redis, { name: '', machine }),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'missing machine, WATCH version',
    () => watchWorkflow(redis, { name: 'x' } as never),
    'options.machine must be a machine from defineMachine() (got undefined)',
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
    expect(err).toBeInstanceOf(LuaWorkflowArgumentError);
    expect(isLuaWorkflowError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('rejects with the signal’s reason, sending nothing, when the signal has already aborted', async () => {
    const reason = new Error('caller gave up');
    const err = await orders.transition('o', 'pay', { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });

  it('wrote nothing to Redis for any rejected call', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect((await redis.keys(`${redisNs.prefix}*`)).sort()).toEqual(
      ['orders:{o}', 'orders:{o}:history', 'orders:{o}:requests'].map((k) => `${redisNs.prefix}${k}`),
    );
    expect(await orders.get('o')).toMatchObject({ state: 'created', version: 1 });
  });
});
