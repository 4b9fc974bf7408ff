// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionsArgumentError, accounts, isTransactionsError, multiExec, type Accounts } from '../src/index.ts';
import { pipelined, unbatched } from '../src/naive.ts';

let redis: Redis;
let ns: RedisNamespace;
let acc: Accounts;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'transactions_args' }); // a key prefix of its own
  redis = ns.client();
  acc = accounts(redis, { name: 'args' });
});
afterAll(() => ns?.close());

const cases: Array<[string, () => unknown, string]> = [
  ['redis that is not a client', () => multiExec({} as never), 'redis must be an ioredis client (got an object)'],
  ['redis missing, unbatched', () => unbatched(undefined as never), 'redis must be an ioredis client (got undefined)'],
  ['redis missing, pipelined', () => pipelined(null as never), 'redis must be an ioredis client (got null)'],
  [
    'commands that are not an array',
    () => multiExec(redis).exec('set a 1' as never),
    'commands must be an array of commands (got a string)',
  ],
  ['an empty batch', () => multiExec(redis).exec([]), 'commands must hold at least one command (got 0)'],
  [
    'a command that is not an array',
    () => multiExec(redis).exec(['set' as never]),
    'commands[0] must be an array [name, ...args] (got a string)',
  ],
  [
    'a command without a name',
    () => multiExec(redis).exec([['ping'], ['' as never]]),
    'commands[1][0] must be a non-empty string (got "")',
  ],
  [
    'an argument that is an object',
    () => multiExec(redis).exec([['set', 'k', { v: 1 } as never]]),
    'commands[0][2] must be a string, a finite number or a Buffer (got an object)',
  ],
  [
    'an argument that is NaN',
    () => unbatched(redis).exec([['incrby', 'k', Number.NaN]]),
    'commands[0][2] must be a string, a finite number or a Buffer (got NaN)',
  ],
  [
    'an argument that is undefined, pipelined',
    () => pipelined(redis).exec([['get', undefined as never]]),
    'commands[0][1] must be a string, a finite number or a Buffer (got undefined)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => multiExec(redis).exec([['ping']], 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['accounts without options', () => accounts(redis, undefined as never), 'options must be an object (got undefined)'],
  [
    'accounts with an empty name',
    () => accounts(redis, { name: '' }),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'accounts with a name that is not a string',
    () => accounts(redis, { name: 7 as never }),
    'options.name must be a non-empty string (got 7)',
  ],
  [
    'accounts with a batch that is not a Batch',
    () => accounts(redis, { name: 'x', batch: 'multi' as never }),
    'options.batch must be a Batch (multiExec(), unbatched() or pipelined()) (got a string)',
  ],
  ['a move of zero units', () => acc.move('a', 'b', 0), 'units must be a positive integer (got 0)'],
  ['a move of fractional units', () => acc.move('a', 'b', 1.5), 'units must be a positive integer (got 1.5)'],
  ['a move to the same account', () => acc.move('a', 'a', 1), 'to must differ from from (got "a")'],
  ['a move from an empty id', () => acc.move('', 'b', 1), 'from must be a non-empty string (got "")'],
  ['opening with no accounts', () => acc.open({}), 'balances must name at least one account (got 0)'],
  ['opening with a fractional balance', () => acc.open({ a: 0.5 }), 'balances.a must be an integer (got 0.5)'],
  [
    'opening with an array',
    () => acc.open([1, 2] as never),
    'balances must be an object { id: balance } (got an array)',
  ],
  ['reading no accounts', () => acc.balances([]), 'ids must be a non-empty array of account ids (got an array)'],
  [
    'reading an id that is not a string',
    () => acc.balances(['a', 3 as never]),
    'ids[1] must be a non-empty string (got 3)',
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
    expect(err).toBeInstanceOf(TransactionsArgumentError);
    expect(isTransactionsError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('sends nothing to Redis when an argument is rejected', async () => {
    await multiExec(redis)
      .exec([
        ['set', 'checked-first', 1],
        ['set', 'k', { v: 1 } as never],
      ])
      .catch(() => undefined);
    expect(await redis.exists('checked-first')).toBe(0);
  });
});
