// Accounts in Redis, and transfers between them that are each ONE Lua script run: check the balance,
// move the money, record the outcome under the transfer's idempotency key — nothing from another client
// runs in between, so money is never created or lost, no balance goes below zero, and a transfer sent
// twice (a retry, a command ioredis re-sent after a lost reply) moves the money once.
import type { Redis } from 'ioredis';
import {
  AccountExistsError,
  IdempotencyConflictError,
  InsufficientFundsError,
  UnknownAccountError,
  check,
  redisCall,
} from './errors.ts';
import { runIdempotent } from './idempotency.ts';
import { luaScript } from './scripts.ts';

/** How long a transfer's idempotency record lives unless told otherwise: 24 h. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 86_400_000;

export interface LedgerOptions {
  /** Names the ledger: its keys are `bank:{name}:…`, one hash slot in Redis Cluster. No braces. */
  name: string;
  /** How long a transfer's idempotency record lives (default 24 h): within it, a replay moves nothing. */
  idempotencyTtlMs?: number;
}

export interface Transfer {
  /** The idempotency key: one per intended transfer, made by the caller before the first attempt. */
  key: string;
  from: string;
  to: string;
  /** In minor units (cents): a positive integer. */
  amount: number;
}

export interface TransferReceipt extends Transfer {
  /** The balances right after the transfer ran (its first run, for a replay). */
  fromBalance: number;
  toBalance: number;
  /** True when the idempotency record answered: the transfer had run before under this key. */
  replayed: boolean;
}

export interface Ledger {
  readonly name: string;
  /** Creates an account holding `balance` (minor units); AccountExistsError if it exists. */
  open(account: string, balance: number): Promise<void>;
  /** The accounts' balances read in one command (MGET: one consistent moment); UnknownAccountError for a missing one. */
  balances(accounts: readonly string[]): Promise<Map<string, number>>;
  /**
   * Moves `amount` from one account to another, once per `key`. Rejects with InsufficientFundsError or
   * UnknownAccountError (nothing moved), IdempotencyConflictError (the key was used for another transfer),
   * BankTransferServiceError (Redis failed: send the same transfer again to learn what happened).
   */
  transfer(transfer: Transfer, options?: { signal?: AbortSignal }): Promise<TransferReceipt>;
}

/** Where a ledger keeps what: every key carries the hash tag `{name}`, so a transfer's keys share a slot. */
export function ledgerKeys(name: string): { account(id: string): string; record(key: string): string } {
  return {
    account: (id) => `bank:{${name}}:account:${id}`,
    record: (key) => `bank:{${name}}:transfer:${key}`,
  };
}

export interface LedgerSettings {
  readonly redis: Redis;
  readonly name: string;
  readonly idempotencyTtlMs: number;
  readonly keys: ReturnType<typeof ledgerKeys>;
}

/** Checks the client and the options; the naive ledgers (src/naive.ts) take the same. */
export function ledgerSettings(redis: Redis, options: LedgerOptions): LedgerSettings {
  check.kind(hasMethods(redis, 'evalsha', 'mget'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object { name }', options);
  check.that(
    typeof options.name === 'string' && /^[^{}]+$/.test(options.name),
    'options.name',
    'must be a non-empty string without { or }',
    options.name,
  );
  const { idempotencyTtlMs = DEFAULT_IDEMPOTENCY_TTL_MS } = options;
  check.positiveInt('options.idempotencyTtlMs', idempotencyTtlMs);
  return { redis, name: options.name, idempotencyTtlMs, keys: ledgerKeys(options.name) };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export function checkTransfer(transfer: Transfer): void {
  check.kind(
    typeof transfer === 'object' && transfer !== null,
    'transfer',
    'must be an object { key, from, to, amount }',
    transfer,
  );
  check.name('transfer.key', transfer.key);
  check.name('transfer.from', transfer.from);
  check.name('transfer.to', transfer.to);
  check.that(transfer.to !== transfer.from, 'transfer.to', 'must differ from transfer.from', transfer.to);
  check.positiveInt('transfer.amount', transfer.amount);
}

/** What identifies a transfer's request under its key: the same key with another fingerprint is a conflict. */
export const fingerprint = (t: Transfer): string => JSON.stringify([t.from, t.to, t.amount]);

/** The outcome a transfer script recorded, as the caller gets it: a receipt, or the refusal thrown. */
export function settle(outcome: string, t: Transfer, replayed: boolean): TransferReceipt {
  const [kind, first, second] = outcome.split(' ');
  const { key, from, to, amount } = t;
  if (kind === 'done')
    return { key, from, to, amount, fromBalance: Number(first), toBalance: Number(second), replayed };
  if (kind === 'insufficient-funds')
    throw new InsufficientFundsError({ key, account: from, balance: Number(first), amount, replayed });
  if (kind === 'unknown-account')
    throw new UnknownAccountError({ account: first === 'from' ? from : to, key, replayed });
  throw new Error(`transfer "${key}": unexpected outcome ${JSON.stringify(outcome)}`);
}

/** open() and balances(), the same for the pattern and the naive ledgers. */
export function accounts(s: LedgerSettings): Pick<Ledger, 'open' | 'balances'> {
  return {
    async open(account, balance) {
      check.name('account', account);
      check.nonNegativeInt('balance', balance);
      const created = await redisCall(`opening account "${account}"`, () =>
        s.redis.set(s.keys.account(account), balance, 'NX'),
      );
      if (created === null) throw new AccountExistsError(account);
    },
    async balances(list) {
      check.kind(Array.isArray(list) && list.length > 0, 'accounts', 'must be a non-empty array', list);
      list.forEach((a, i) => check.name(`accounts[${i}]`, a));
      const values = await redisCall('reading balances', () => s.redis.mget(...list.map((a) => s.keys.account(a))));
      return new Map(
        list.map((account, i) => {
          const value = values[i];
          if (value === null || value === undefined) throw new UnknownAccountError({ account });
          return [account, Number(value)];
        }),
      );
    },
  };
}

/** A ledger whose every transfer is one Lua script run under an idempotency record. */
export function ledger(redis: Redis, options: LedgerOptions): Ledger {
  const s = ledgerSettings(redis, options);
  const script = luaScript('transfer-2.lua');
  return {
    name: s.name,
    ...accounts(s),
    async transfer(t, transferOptions = {}) {
      checkTransfer(t);
      check.options('options', transferOptions);
      check.signal('options.signal', transferOptions.signal);
      transferOptions.signal?.throwIfAborted();
      const requested = fingerprint(t);
      const result = await redisCall(`transfer "${t.key}"`, () =>
        runIdempotent(
          s.redis,
          script,
          { key: s.keys.record(t.key), fingerprint: requested, ttlMs: s.idempotencyTtlMs },
          [s.keys.account(t.from), s.keys.account(t.to)],
          [t.amount],
        ),
      );
      if (result.status === 'conflict') throw new IdempotencyConflictError(t.key, result.fingerprint, requested);
      return settle(result.outcome, t, result.status === 'replay');
    },
  };
}
