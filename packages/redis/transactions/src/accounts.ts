// Balances moved between accounts: the smallest case where a batch must be atomic. A move is two commands,
// DECRBY on one account and INCRBY on the other; the sum of all balances is the invariant a reader checks.
// Run by multiExec() no reader ever sees the sum short; run by unbatched() a reader sees units "in flight".
// MULTI cannot branch on what it reads (a move may overdraw): for "only if the balance allows", see
// WATCH (poc-redis-watch) or a Lua script.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { checkClient, multiExec, type Batch } from './transactions.ts';

export interface AccountsOptions {
  /** Names this set of accounts: its keys are `accounts:{name}:<id>` (one hash tag, so one cluster slot). */
  name: string;
  /** How moves are sent (default multiExec(redis)); the naive modes come from 'poc-redis-transactions/naive'. */
  batch?: Batch;
}

export interface Accounts {
  readonly name: string;
  readonly mode: Batch['mode'];
  /** Sets each account's balance, in one batch. */
  open(balances: Readonly<Record<string, number>>, signal?: AbortSignal): Promise<void>;
  /** Takes `units` from one account and gives them to another, in one batch. */
  move(from: string, to: string, units: number, signal?: AbortSignal): Promise<void>;
  /** Reads balances with one MGET: a single command, so it sees all of one moment (0 for a missing account). */
  balances(ids: readonly string[], signal?: AbortSignal): Promise<number[]>;
  /** The Redis key of an account. */
  key(id: string): string;
}

export function accounts(redis: Redis, options: AccountsOptions): Accounts {
  checkClient(redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.name', options.name);
  const batch = options.batch ?? multiExec(redis);
  check.kind(
    typeof batch === 'object' && batch !== null && typeof batch.exec === 'function',
    'options.batch',
    'must be a Batch (multiExec(), unbatched() or pipelined())',
    batch,
  );
  const name = options.name;
  const key = (id: string): string => `accounts:{${name}}:${id}`;
  const checkId = (argument: string, id: unknown): void => check.name(argument, id);

  return {
    name,
    mode: batch.mode,
    key(id) {
      checkId('id', id);
      return key(id);
    },
    async open(balances, signal) {
      check.kind(
        typeof balances === 'object' && balances !== null && !Array.isArray(balances),
        'balances',
        'must be an object { id: balance }',
        balances,
      );
      const entries = Object.entries(balances);
      check.that(entries.length > 0, 'balances', 'must name at least one account', entries.length);
      for (const [id, amount] of entries)
        check.that(Number.isSafeInteger(amount), `balances.${id}`, 'must be an integer', amount);
      await batch.exec(
        entries.map(([id, amount]) => ['set', key(id), amount] as const),
        signal,
      );
    },
    async move(from, to, units, signal) {
      checkId('from', from);
      checkId('to', to);
      check.that(to !== from, 'to', 'must differ from from', to);
      check.positiveInt('units', units);
      await batch.exec(
        [
          ['decrby', key(from), units],
          ['incrby', key(to), units],
        ],
        signal,
      );
    },
    async balances(ids, signal) {
      check.kind(Array.isArray(ids) && ids.length > 0, 'ids', 'must be a non-empty array of account ids', ids);
      ids.forEach((id, i) => checkId(`ids[${i}]`, id));
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const values = await redisCall(`reading ${ids.length} balances of "${name}"`, () => redis.mget(ids.map(key)));
      return values.map((v) => Number(v ?? 0));
    },
  };
}
