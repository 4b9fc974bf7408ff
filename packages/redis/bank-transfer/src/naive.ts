// The transfers people write first: the same steps as src/lua/transfer-2.lua and its idempotency record,
// but as separate round trips from the client. Between "read" and "write", other clients read the same
// balances (and the same missing record) and act on them too. Kept to show how that fails (tests, demo,
// bench); only under the 'poc-redis-bank-transfer/naive' subpath, not the package index. Do not use.
//
// - readModifyWriteLedger writes the balances it computed (SET from - amount, SET to + amount): two
//   transfers from one account both write "its balance minus my amount", one debit is lost and money
//   appears from nowhere (or vanishes, when two credits collide).
// - checkThenActLedger checks the balance, then moves with DECRBY / INCRBY: no update is lost, but every
//   caller that checked before the others debited goes through, and the account goes negative.
// Both check the idempotency record before and write it after: callers that replay one key at the same
// time all find it missing and all move the money.
import type { Redis } from 'ioredis';
import { IdempotencyConflictError, redisCall } from './errors.ts';
import {
  accounts,
  checkTransfer,
  fingerprint,
  ledgerSettings,
  settle,
  type Ledger,
  type LedgerOptions,
  type LedgerSettings,
  type Transfer,
} from './ledger.ts';

/** Moves the money on balances read earlier; returns the two balances as this caller left them. */
type Move = (s: LedgerSettings, t: Transfer, from: number, to: number) => Promise<[number, number]>;

function naiveLedger(redis: Redis, options: LedgerOptions, move: Move): Ledger {
  const s = ledgerSettings(redis, options);
  return {
    name: s.name,
    ...accounts(s),
    async transfer(t, transferOptions = {}) {
      checkTransfer(t);
      transferOptions.signal?.throwIfAborted();
      const requested = fingerprint(t);
      const record = s.keys.record(t.key);
      const outcome = await redisCall(`naive transfer "${t.key}"`, async () => {
        const [recorded, stored] = await s.redis.hmget(record, 'fingerprint', 'outcome');
        if (recorded) {
          if (recorded !== requested) throw new IdempotencyConflictError(t.key, recorded, requested);
          return { text: stored!, replayed: true };
        }
        const [from, to] = await s.redis.mget(s.keys.account(t.from), s.keys.account(t.to));
        let text: string;
        if (from === null || from === undefined) text = 'unknown-account from';
        else if (to === null || to === undefined) text = 'unknown-account to';
        else if (Number(from) < t.amount) text = `insufficient-funds ${from}`;
        else {
          // Decided on balances other callers may have changed since:
          const [fromAfter, toAfter] = await move(s, t, Number(from), Number(to));
          text = `done ${fromAfter} ${toAfter}`;
        }
        await s.redis.hset(record, 'fingerprint', requested, 'outcome', text);
        await s.redis.pexpire(record, s.idempotencyTtlMs);
        return { text, replayed: false };
      });
      return settle(outcome.text, t, outcome.replayed);
    },
  };
}

/** Read both balances, write both new balances: lost updates create and destroy money. */
export const readModifyWriteLedger = (redis: Redis, options: LedgerOptions): Ledger =>
  naiveLedger(redis, options, async (s, t, from, to) => {
    await s.redis.mset(s.keys.account(t.from), from - t.amount, s.keys.account(t.to), to + t.amount);
    return [from - t.amount, to + t.amount];
  });

/** Check the balance, then DECRBY / INCRBY: conserves money, but overdraws under concurrency. */
export const checkThenActLedger = (redis: Redis, options: LedgerOptions): Ledger =>
  naiveLedger(redis, options, async (s, t) => [
    await s.redis.decrby(s.keys.account(t.from), t.amount),
    await s.redis.incrby(s.keys.account(t.to), t.amount),
  ]);
