// pnpm --filter poc-redis-bank-transfer bench: the POC's own claim (there is no roadmap claim for #15).
//
// 1. Correctness, counted: the same 10,000 random transfers (20 accounts, 50 callers) through the Lua
//    ledger and the two naive ledgers of src/naive.ts: money created or destroyed, transfers that left
//    the paying account below zero (from the receipts), accounts below zero at the end, refusals.
// 2. Transfers/s, side by side (compareLoad, rounds interleaved and rotated): the Lua ledger against the
//    same ledger in PostgreSQL, each transfer one SERIALIZABLE transaction run by poc-postgres-isolation-
//    levels' transactionRunner (retries 40001/40P01 with its default backoff and attempts). Same work on
//    both sides: look up the idempotency key, check the balance, move, record the outcome (refusals too);
//    a refused transfer counts as decided work on both sides. Timed to the server's acknowledgement (the
//    script's reply; COMMIT's reply). Equal connections: one Redis connection per caller, a pool of
//    CONCURRENCY PostgreSQL connections. Fresh state before every run of every variant: a new ledger with
//    every account at its opening balance. Two contention levels: 10 hot accounts and 1,000 accounts.
//    Every ledger a run used is checked afterwards (total, lowest balance); violations are facts.
// Durability: both sides run on the shared servers, and neither is durable (read back from the servers
// into the parameters): Redis without persistence, PostgreSQL with fsync and synchronous_commit off.
import { benchReport, compareLoad, postgresDatabase, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { isBankTransferError, ledger, type Ledger, type LedgerOptions, type Transfer } from '../src/index.ts';
import { checkThenActLedger, readModifyWriteLedger } from '../src/naive.ts';
import { postgresLedger, type PostgresLedger } from './postgres-ledger.ts';

const CONCURRENCY = 16;
const DURATION_MS = 1_500;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const OPENING = 1_000;
const MAX_AMOUNT = 100;
const CHECK_TRANSFERS = 10_000;
const CHECK_ACCOUNTS = 20;
const CHECK_CALLERS = 50; // on the CONCURRENCY connections
const LEVELS = [
  { id: 'hot', accounts: 10 },
  { id: 'spread', accounts: 1_000 },
] as const;
const REDIS = 'redis lua';
const POSTGRES = 'postgres serializable + retry';
// Records outlive every run; the keys of a finished run are deleted before the next one anyway.
const IDEMPOTENCY_TTL_MS = 600_000;

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `a${i}`);
const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
const randomTransfer = (accounts: readonly string[], key: string): Transfer => {
  const from = Math.floor(Math.random() * accounts.length);
  const to = (from + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length;
  return { key, from: accounts[from]!, to: accounts[to]!, amount: 1 + Math.floor(Math.random() * MAX_AMOUNT) };
};

runMain(async () => {
  const ns = await redisNamespace({ name: 'bank_transfer_bench' });
  const db = await postgresDatabase({ name: 'bank_transfer_bench' });
  try {
    const clients: Redis[] = Array.from({ length: CONCURRENCY }, () => ns.client());
    const pool: pg.Pool = db.pool({ max: CONCURRENCY });
    await Promise.all(clients.map((c) => c.ping()));
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));

    const setting = async (name: string): Promise<string> =>
      (await pool.query<{ v: string }>(`SELECT current_setting('${name}') AS v`)).rows[0]!.v;
    const redisConfig = async (name: string): Promise<string> =>
      ((await clients[0]!.config('GET', name)) as string[])[1] ?? '?';
    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        durationMsPerVariantPerRound: DURATION_MS,
        rounds: ROUNDS,
        warmupMs: 500,
        connections: `${CONCURRENCY} Redis connections (one per caller); a pg.Pool of ${CONCURRENCY}`,
        workload: `random distinct accounts, amounts 1-${MAX_AMOUNT}, every account opened at ${OPENING}`,
        accountsHot: LEVELS[0].accounts,
        accountsSpread: LEVELS[1].accounts,
        postgresTransaction:
          'SERIALIZABLE: INSERT the key ON CONFLICT DO NOTHING (the claim); SELECT both balances; UPDATE both (id order); UPDATE the outcome',
        postgresRetry: 'transactionRunner defaults: 10 attempts, full-jitter backoff 2-100 ms, on 40001/40P01',
        redisScript:
          'EVALSHA of idempotent(transfer-2.lua): HMGET record; GET x2; DECRBY; INCRBY; GET x2; HSET; PEXPIRE',
        idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
        redisDurability: `appendonly=${await redisConfig('appendonly')} save="${await redisConfig('save')}" (shared server, no persistence: a restart loses every balance)`,
        postgresDurability: `fsync=${await setting('fsync')} synchronous_commit=${await setting('synchronous_commit')} full_page_writes=${await setting('full_page_writes')} (shared server: a crash loses the last commits)`,
        correctnessRun: `${CHECK_TRANSFERS} random transfers among ${CHECK_ACCOUNTS} accounts (half opened at ${OPENING}, half at 0), ${CHECK_CALLERS} callers on ${CONCURRENCY} connections`,
      },
      services: ['redis', 'postgres'],
    });

    // --- 1. correctness, counted ---------------------------------------------------------------
    const checkAccounts = names(CHECK_ACCOUNTS);
    const checkOpening = new Map(checkAccounts.map((a, i) => [a, i % 2 === 0 ? OPENING : 0]));
    const checkTransfers = Array.from({ length: CHECK_TRANSFERS }, (_, i) => randomTransfer(checkAccounts, `c-${i}`));
    const ledgers: Array<[id: string, label: string, make: (r: Redis, o: LedgerOptions) => Ledger]> = [
      ['lua', 'Lua script', ledger],
      ['rmw', 'naive read-modify-write', readModifyWriteLedger],
      ['cta', 'naive check-then-DECRBY', checkThenActLedger],
    ];
    for (const [id, label, make] of ledgers) {
      const callers = Array.from({ length: CHECK_CALLERS }, (_, i) =>
        make(clients[i % clients.length]!, { name: `check-${id}`, idempotencyTtlMs: IDEMPOTENCY_TTL_MS }),
      );
      for (const [a, b] of checkOpening) await callers[0]!.open(a, b);
      let next = 0;
      let refused = 0;
      let overdrafts = 0;
      await Promise.all(
        callers.map(async (l) => {
          while (next < checkTransfers.length) {
            try {
              if ((await l.transfer(checkTransfers[next++]!)).fromBalance < 0) overdrafts++;
            } catch (e) {
              if (!isBankTransferError(e, 'insufficient-funds')) throw e;
              refused++;
            }
          }
        }),
      );
      const after = await callers[0]!.balances(checkAccounts);
      const created = sum(after.values()) - sum(checkOpening.values());
      const negative = [...after.values()].filter((b) => b < 0).length;
      process.stderr.write(
        `  correctness ${label}: total changed by ${created}, ${overdrafts} overdrafts, ${negative} below zero at the end, ${refused} refused\n`,
      );
      report.add({ id: `${id}-money-created`, title: `${label}: total after − total before`, value: created });
      report.add({
        id: `${id}-overdrafts`,
        title: `${label}: transfers that left the paying account below zero`,
        value: overdrafts,
      });
      report.add({ id: `${id}-negative`, title: `${label}: accounts below zero at the end`, value: negative });
      report.add({ id: `${id}-refused`, title: `${label}: transfers refused for insufficient funds`, value: refused });
    }

    // --- 2. transfers/s against PostgreSQL SERIALIZABLE + retry ---------------------------------
    let sequence = 0;
    for (const level of LEVELS) {
      const accounts = names(level.accounts);
      const opening = new Map(accounts.map((a) => [a, OPENING]));
      let redisLedgers: Ledger[] = [];
      let redisName = '';
      let pgLedger: PostgresLedger | undefined;
      let pgRetries = 0;
      let pgRuns = 0;
      const decided = { [REDIS]: 0, [POSTGRES]: 0 };
      let checked = 0;
      let violations = 0;

      const verify = (balances: Map<string, number>): void => {
        checked++;
        if (sum(balances.values()) !== sum(opening.values()) || Math.min(...balances.values()) < 0) violations++;
      };
      const retireRedis = async (): Promise<void> => {
        if (!redisName) return;
        verify(await redisLedgers[0]!.balances(accounts));
        // Free the finished run's keys (the keyPrefix does not apply to SCAN patterns).
        let cursor = '0';
        do {
          const [nextCursor, keys] = await clients[0]!.scan(
            cursor,
            'MATCH',
            `${ns.prefix}bank:{${redisName}}:*`,
            'COUNT',
            1000,
          );
          if (keys.length > 0) await clients[0]!.unlink(...keys.map((k) => k.slice(ns.prefix.length)));
          cursor = nextCursor;
        } while (cursor !== '0');
        redisName = '';
      };
      const retirePostgres = async (): Promise<void> => {
        if (!pgLedger) return;
        verify(await pgLedger.balances());
        pgRetries += pgLedger.retries;
        await pgLedger.drop();
        pgLedger = undefined;
      };

      const comparison = await compareLoad({
        id: level.id,
        title: `Random transfers among ${level.accounts.toLocaleString('en-US')} accounts, ${CONCURRENCY} callers (nothing durable on either server)`,
        variants: {
          [POSTGRES]: async () => {
            await pgLedger!.transfer(randomTransfer(accounts, `k${sequence++}`));
            decided[POSTGRES]++;
          },
          [REDIS]: async (w) => {
            await redisLedgers[w]!.transfer(randomTransfer(accounts, `k${sequence++}`)).catch((e: unknown) => {
              if (!isBankTransferError(e, 'insufficient-funds')) throw e;
            });
            decided[REDIS]++;
          },
        },
        baseline: POSTGRES,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        beforeEach: async (variant) => {
          await retireRedis();
          await retirePostgres();
          const name = `${level.id}-${sequence++}`;
          if (variant === REDIS) {
            redisName = name;
            redisLedgers = clients.map((c) => ledger(c, { name, idempotencyTtlMs: IDEMPOTENCY_TTL_MS }));
            for (const [a, b] of opening) await redisLedgers[0]!.open(a, b);
          } else {
            pgLedger = postgresLedger(pool, name.replace('-', '_'));
            await pgLedger.create();
            await pgLedger.open(opening);
            pgRuns++;
          }
        },
      });
      await retireRedis();
      await retirePostgres();
      report.add(comparison);
      report.add({
        id: `${level.id}-retries-per-transfer`,
        title: `${level.id}: PostgreSQL serialization retries per decided transfer (warm-up included)`,
        value: Number((pgRetries / Math.max(1, decided[POSTGRES])).toFixed(2)),
      });
      report.add({
        id: `${level.id}-retries`,
        title: `${level.id}: PostgreSQL serialization retries in all (${pgRuns} runs)`,
        value: pgRetries,
      });
      report.add({
        id: `${level.id}-violations`,
        title: `${level.id}: ledgers (both sides) whose total changed or that went below zero, of ${checked} checked`,
        value: violations,
      });
    }

    await report.finish(
      'The POC’s own claim (no roadmap claim): of {param:correctnessRun}, the Lua ledger changed the total by ' +
        '{fact:lua-money-created} and overdrew {fact:lua-overdrafts} times; naive read-modify-write changed it by ' +
        '{fact:rmw-money-created}, naive check-then-DECRBY overdrew {fact:cta-overdrafts} times. Transfers/s, Redis Lua ÷ ' +
        'PostgreSQL SERIALIZABLE + retry, neither server durable: {ratio:hot/redis lua} on {param:accountsHot} hot accounts ' +
        '(PostgreSQL retried {fact:hot-retries-per-transfer} times per transfer and gave up on ' +
        '{errors:hot/postgres serializable + retry}), {ratio:spread/redis lua} on {param:accountsSpread} accounts ' +
        '({fact:spread-retries-per-transfer} retries per transfer, {errors:spread/postgres serializable + retry} given up).',
    );
  } finally {
    await ns.close();
    await db.close();
  }
});
