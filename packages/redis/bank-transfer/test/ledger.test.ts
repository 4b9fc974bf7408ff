// What the README promises, read back from Redis: transfers move money exactly, refusals move nothing,
// a replay is a no-op that answers with the first outcome, and 10,000 random concurrent transfers
// neither create nor lose money nor overdraw an account.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountExistsError,
  IdempotencyConflictError,
  InsufficientFundsError,
  UnknownAccountError,
  isBankTransferError,
  ledger,
  ledgerKeys,
  type Ledger,
} from '../src/index.ts';
import { accountNames, expectedBalances, randomTransfers, sum, transferAll } from './helpers.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'bank_transfer' });
  admin = ns.client();
});
afterAll(() => ns?.close());

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );

/** A ledger named `name` with alice = 100 and bob = 0. */
async function aliceAndBob(name: string): Promise<Ledger> {
  const l = ledger(ns.client(), { name });
  await l.open('alice', 100);
  await l.open('bob', 0);
  return l;
}

describe('transfers', () => {
  it('moves the amount from one account to the other and records the outcome under the key', async () => {
    const l = await aliceAndBob('basic');
    const keys = ledgerKeys('basic');
    const receipt = await l.transfer({ key: 't1', from: 'alice', to: 'bob', amount: 30 });
    expect(receipt).toEqual({
      key: 't1',
      from: 'alice',
      to: 'bob',
      amount: 30,
      fromBalance: 70,
      toBalance: 30,
      replayed: false,
    });
    expect(await admin.get(keys.account('alice'))).toBe('70');
    expect(await admin.get(keys.account('bob'))).toBe('30');
    expect(await admin.hgetall(keys.record('t1'))).toEqual({
      fingerprint: '["alice","bob",30]',
      outcome: 'done 70 30',
    });
    const ttl = await admin.pttl(keys.record('t1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 70],
        ['bob', 30],
      ]),
    );
  });

  it('answers a replay of the key with the first receipt and moves nothing more', async () => {
    const l = await aliceAndBob('replay');
    const first = await l.transfer({ key: 'pay-1', from: 'alice', to: 'bob', amount: 40 });
    await l.transfer({ key: 'pay-2', from: 'alice', to: 'bob', amount: 10 }); // balances move on meanwhile
    const again = await l.transfer({ key: 'pay-1', from: 'alice', to: 'bob', amount: 40 });
    expect(again).toEqual({ ...first, replayed: true }); // the balances of the first run, not today's
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 50],
        ['bob', 50],
      ]),
    );
  });

  it('refuses a transfer larger than the balance with InsufficientFundsError, moves nothing, and replays the refusal', async () => {
    const l = await aliceAndBob('overdraw');
    const err = await rejection(l.transfer({ key: 'big', from: 'alice', to: 'bob', amount: 101 }));
    expect(err).toBeInstanceOf(InsufficientFundsError);
    expect(isBankTransferError(err, 'insufficient-funds')).toBe(true);
    expect(err).toMatchObject({ key: 'big', account: 'alice', balance: 100, amount: 101, replayed: false });
    expect((err as Error).message).toBe(
      'transfer "big" refused: account "alice" holds 100, less than 101; nothing was moved',
    );
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 100],
        ['bob', 0],
      ]),
    );

    // Money arrives; the same key still answers with its first outcome: a decided transfer stays decided.
    await l.open('carol', 500);
    await l.transfer({ key: 'top-up', from: 'carol', to: 'alice', amount: 500 });
    const replayed = await rejection(l.transfer({ key: 'big', from: 'alice', to: 'bob', amount: 101 }));
    expect(replayed).toMatchObject({ code: 'insufficient-funds', balance: 100, replayed: true });
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 600],
        ['bob', 0],
      ]),
    );
    // A new key is a new transfer.
    expect((await l.transfer({ key: 'big-2', from: 'alice', to: 'bob', amount: 101 })).fromBalance).toBe(499);
  });

  it('lets a transfer take the whole balance, down to exactly zero', async () => {
    const l = await aliceAndBob('exact');
    expect((await l.transfer({ key: 'all', from: 'alice', to: 'bob', amount: 100 })).fromBalance).toBe(0);
    expect(await admin.get(ledgerKeys('exact').account('alice'))).toBe('0');
  });

  it('refuses a transfer naming a missing account with UnknownAccountError, creating no account', async () => {
    const l = await aliceAndBob('unknown');
    const keys = ledgerKeys('unknown');
    const toNobody = await rejection(l.transfer({ key: 'u1', from: 'alice', to: 'nobody', amount: 5 }));
    expect(toNobody).toBeInstanceOf(UnknownAccountError);
    expect((toNobody as Error).message).toBe(
      'transfer "u1" refused: account "nobody" does not exist; nothing was moved',
    );
    const fromNobody = await rejection(l.transfer({ key: 'u2', from: 'nobody', to: 'alice', amount: 5 }));
    expect(fromNobody).toMatchObject({ code: 'unknown-account', account: 'nobody', key: 'u2' });
    expect(await admin.exists(keys.account('nobody'))).toBe(0);
    expect(await admin.get(keys.account('alice'))).toBe('100');
    await expect(l.balances(['alice', 'nobody'])).rejects.toThrow('account "nobody" does not exist');
  });

  it('refuses the same key for a different transfer with IdempotencyConflictError, moving nothing', async () => {
    const l = await aliceAndBob('conflict');
    await l.transfer({ key: 'k', from: 'alice', to: 'bob', amount: 10 });
    const err = await rejection(l.transfer({ key: 'k', from: 'alice', to: 'bob', amount: 20 }));
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect((err as Error).message).toBe(
      'transfer "k" refused: the key was used for another transfer (["alice","bob",10], now ["alice","bob",20]); nothing was moved',
    );
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 90],
        ['bob', 10],
      ]),
    );
  });

  it('opens an account once: a second open is AccountExistsError and leaves the balance alone', async () => {
    const l = await aliceAndBob('open');
    const err = await rejection(l.open('alice', 1_000_000));
    expect(err).toBeInstanceOf(AccountExistsError);
    expect((err as Error).message).toBe('account "alice" exists already; its balance was left as it was');
    expect(await admin.get(ledgerKeys('open').account('alice'))).toBe('100');
  });

  it('keeps balances exact beyond 2^32 (integers in Redis, not Lua numbers printed with 14 digits)', async () => {
    const l = ledger(ns.client(), { name: 'large' });
    const big = 2 ** 53 - 1;
    await l.open('whale', big);
    await l.open('minnow', 0);
    const r = await l.transfer({ key: 'x', from: 'whale', to: 'minnow', amount: 1 });
    expect(r.fromBalance).toBe(big - 1);
    expect(await admin.get(ledgerKeys('large').account('whale'))).toBe(String(big - 1));
  });

  it('keeps two ledgers apart: the same key and account names in another ledger are another transfer', async () => {
    const one = await aliceAndBob('one');
    const two = await aliceAndBob('two');
    await one.transfer({ key: 'same', from: 'alice', to: 'bob', amount: 1 });
    expect((await two.transfer({ key: 'same', from: 'alice', to: 'bob', amount: 1 })).replayed).toBe(false);
    expect(await two.balances(['alice'])).toEqual(new Map([['alice', 99]]));
  });
});

describe('10,000 random transfers, 50 concurrent callers on 10 connections', () => {
  const ACCOUNTS = accountNames(20);
  // Half the accounts start empty, so many transfers meet an insufficient balance.
  const opening = new Map(ACCOUNTS.map((a, i) => [a, i % 2 === 0 ? 1_000 : 0]));
  const transfers = randomTransfers(10_000, ACCOUNTS, 300, 'r');

  it('conserves the total, overdraws no account, and ends at the balances the receipts add up to; a replay of all 10,000 moves nothing', async () => {
    const clients = Array.from({ length: 10 }, () => ns.client());
    const callers = Array.from({ length: 50 }, (_, i) => ledger(clients[i % 10]!, { name: 'random' }));
    for (const [a, b] of opening) await callers[0]!.open(a, b);

    const { receipts, refused } = await transferAll(callers, transfers);
    expect(receipts.length + refused).toBe(10_000);
    expect(refused).toBeGreaterThan(0); // the edge was exercised: some transfers met too small a balance
    expect(receipts.every((r) => r.fromBalance >= 0 && !r.replayed)).toBe(true);

    const after = await callers[0]!.balances(ACCOUNTS); // one MGET: one moment
    expect(sum(after.values())).toBe(sum(opening.values()));
    expect(Math.min(...after.values())).toBeGreaterThanOrEqual(0);
    expect(after).toEqual(expectedBalances(opening, receipts));

    // Every key again, concurrently: each answers with its first outcome and nothing moves.
    const replay = await transferAll(callers, transfers);
    expect(replay.refused).toBe(refused);
    expect(replay.receipts.every((r) => r.replayed)).toBe(true);
    const byKey = new Map(receipts.map((r) => [r.key, r]));
    expect(replay.receipts.every((r) => r.fromBalance === byKey.get(r.key)?.fromBalance)).toBe(true);
    expect(await callers[0]!.balances(ACCOUNTS)).toEqual(after);
  });
});
