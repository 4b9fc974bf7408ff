// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BankTransferArgumentError,
  isBankTransferError,
  ledger,
  runIdempotent,
  type Ledger,
  type Transfer,
} from '../src/index.ts';
import { checkThenActLedger, readModifyWriteLedger } from '../src/naive.ts';
import { luaScript } from '../src/scripts.ts';

let ns: RedisNamespace;
let redis: Redis;
let subject: Ledger;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'bank_transfer_args' });
  redis = ns.client();
  subject = ledger(redis, { name: 'arguments' });
  await subject.open('alice', 100);
  await subject.open('bob', 0);
});
afterAll(() => ns?.close());

const ok: Transfer = { key: 'k', from: 'alice', to: 'bob', amount: 10 };
const transfer = (patch: Record<string, unknown>): Promise<unknown> => subject.transfer({ ...ok, ...patch } as never);
const script = luaScript('transfer-2.lua');

const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => ledger({} as never, { name: 'x' }),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => ledger(redis, undefined as never), 'options must be an object { name } (got undefined)'],
  ['empty name', () => ledger(redis, { name: '' }), 'options.name must be a non-empty string without { or } (got "")'],
  [
    'name with a brace (it would change the hash tag)',
    () => ledger(redis, { name: 'a}b' }),
    'options.name must be a non-empty string without { or } (got "a}b")',
  ],
  [
    'name that is not a string',
    () => ledger(redis, { name: 42 as never }),
    'options.name must be a non-empty string without { or } (got 42)',
  ],
  [
    'zero idempotency TTL',
    () => ledger(redis, { name: 'x', idempotencyTtlMs: 0 }),
    'options.idempotencyTtlMs must be a positive integer (got 0)',
  ],
  [
    'fractional idempotency TTL',
    () => ledger(redis, { name: 'x', idempotencyTtlMs: 1.5 }),
    'options.idempotencyTtlMs must be a positive integer (got 1.5)',
  ],
  [
    'missing transfer',
    () => subject.transfer(undefined as never),
    'transfer must be an object { key, from, to, amount } (got undefined)',
  ],
  ['empty key', () => transfer({ key: '' }), 'transfer.key must be a non-empty string (got "")'],
  ['missing key', () => transfer({ key: undefined }), 'transfer.key must be a non-empty string (got undefined)'],
  ['numeric from', () => transfer({ from: 7 }), 'transfer.from must be a non-empty string (got 7)'],
  ['empty to', () => transfer({ to: '' }), 'transfer.to must be a non-empty string (got "")'],
  [
    'a transfer to the same account',
    () => transfer({ to: 'alice' }),
    'transfer.to must differ from transfer.from (got "alice")',
  ],
  ['zero amount', () => transfer({ amount: 0 }), 'transfer.amount must be a positive integer (got 0)'],
  ['negative amount', () => transfer({ amount: -5 }), 'transfer.amount must be a positive integer (got -5)'],
  ['fractional amount', () => transfer({ amount: 0.1 }), 'transfer.amount must be a positive integer (got 0.1)'],
  ['amount as a string', () => transfer({ amount: '10' }), 'transfer.amount must be a positive integer (got "10")'],
  [
    'amount beyond 2^53',
    () => transfer({ amount: 2 ** 53 }),
    'transfer.amount must be a positive integer (got 9007199254740992)',
  ],
  [
    'signal that is not an AbortSignal',
    () => subject.transfer(ok, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'options that are not an object',
    () => subject.transfer(ok, 'fast' as never),
    'options must be an object (got a string)',
  ],
  ['empty account name to open', () => subject.open('', 5), 'account must be a non-empty string (got "")'],
  ['negative opening balance', () => subject.open('carol', -1), 'balance must be a non-negative integer (got -1)'],
  ['no accounts to read', () => subject.balances([]), 'accounts must be a non-empty array (got an array)'],
  [
    'an empty account name to read',
    () => subject.balances(['alice', '']),
    'accounts[1] must be a non-empty string (got "")',
  ],
  [
    'an idempotency record without a TTL',
    () => runIdempotent(redis, script, { key: 'r', fingerprint: 'f' } as never, ['a', 'b'], [1]),
    'record.ttlMs must be a positive integer (got undefined)',
  ],
  [
    'an idempotency record without a key',
    () => runIdempotent(redis, script, { key: '', fingerprint: 'f', ttlMs: 1 }, ['a', 'b'], [1]),
    'record.key must be a non-empty string (got "")',
  ],
  [
    'an idempotency fingerprint that is not a string',
    () => runIdempotent(redis, script, { key: 'r', fingerprint: 5 as never, ttlMs: 1 }, ['a', 'b'], [1]),
    'record.fingerprint must be a string (got 5)',
  ],
  [
    'empty name, naive read-modify-write ledger',
    () => readModifyWriteLedger(redis, { name: '' }),
    'options.name must be a non-empty string without { or } (got "")',
  ],
  [
    'zero amount, naive check-then-act ledger',
    () => checkThenActLedger(redis, { name: 'arguments' }).transfer({ ...ok, amount: 0 }),
    'transfer.amount must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(BankTransferArgumentError);
    expect(isBankTransferError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('moved nothing and recorded nothing while rejecting them', async () => {
    expect(await subject.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 100],
        ['bob', 0],
      ]),
    );
    // keyPrefix does not apply to SCAN patterns: the pattern names the suite's prefix itself.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${ns.prefix}*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    expect(keys.map((k) => k.slice(ns.prefix.length)).sort()).toEqual([
      'bank:{arguments}:account:alice',
      'bank:{arguments}:account:bob',
    ]);
  });

  it('rejects a transfer whose signal has already aborted with the signal’s reason, sending nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(subject.transfer({ ...ok, key: 'aborted' }, { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    expect(await redis.exists('bank:{arguments}:transfer:aborted')).toBe(0);
  });
});
