// The transaction runner against a real server: the level it sets, the conflicts it retries (real
// 40001s and a real deadlock), what it refuses to retry, rollback, abort, a lost connection, and bad input.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import { eventually } from '@poc/harness/testing';
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  ISOLATION_LEVELS,
  RetriesExhaustedError,
  backoffDelay,
  type TransactionArgumentError,
  inTransaction,
  isDeadlock,
  isRetryableTransactionError,
  isSerializationFailure,
  isTransactionError,
  sqlState,
  transactionRunner,
  type RetryEvent,
  type TransactionOptions,
} from '../src/index.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
let other: pg.Client; // a second, independent connection: the "other transaction"
let watcher: pg.Client; // autocommit, for pg_stat_activity (which is frozen inside a transaction)

/** A pool of the test's own, ended when the test finishes. */
function ownPool(max: number): pg.Pool {
  const p = db.pool({ max });
  onTestFinished(() => p.end());
  return p;
}

/** A clock whose sleep returns at once, recording each requested delay: retries without waiting. */
function recordingClock(delays: number[] = []): Clock {
  return { ...systemClock, sleep: async (ms) => void delays.push(ms) };
}
const noWait = recordingClock();
const raise = (errcode: string, message = 'forced by the test'): string =>
  `DO $$ BEGIN RAISE EXCEPTION '${message}' USING ERRCODE = '${errcode}'; END $$`;
const serverError = async (sql: string): Promise<unknown> =>
  other.query(sql).then(
    () => undefined,
    (e: unknown) => e,
  );

beforeAll(async () => {
  db = await postgresDatabase({ name: 'runner' });
  pool = db.pool({ max: 4 });
  other = await db.client();
  watcher = await db.client();
  await other.query(`CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL);
    CREATE TABLE items (label text PRIMARY KEY);
    CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL);`);
});
afterAll(() => db?.close());
beforeEach(async () => {
  await other.query(`TRUNCATE counter, items, doctors;
    INSERT INTO counter VALUES (1, 0), (2, 0);
    INSERT INTO doctors VALUES ('alice', true), ('bob', true);`);
});

const counter = async (id = 1): Promise<number> =>
  (await other.query<{ value: number }>('SELECT value FROM counter WHERE id = $1', [id])).rows[0]!.value;
const itemCount = async (): Promise<number> =>
  (await other.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n;

describe('running a transaction', () => {
  it.each(ISOLATION_LEVELS)('runs the body at %s, commits its writes and returns its value', async (isolation) => {
    const seen = await inTransaction(pool, { isolation }, async (tx) => {
      await tx.query(`INSERT INTO items VALUES ('one')`);
      return (await tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation')).rows[0]!
        .transaction_isolation;
    });
    expect(seen).toBe(isolation);
    expect(await itemCount()).toBe(1);
  });

  it('defaults to serializable with 10 attempts', () => {
    const runner = transactionRunner(pool);
    expect({ isolation: runner.isolation, maxAttempts: runner.maxAttempts }).toEqual({
      isolation: 'serializable',
      maxAttempts: 10,
    });
  });
});

describe('retrying conflicts', () => {
  it('retries a lost update caught at repeatable read (40001) and the second attempt builds on the committed value', async () => {
    const events: RetryEvent[] = [];
    const result = await inTransaction(
      pool,
      { isolation: 'repeatable read', onRetry: (e) => events.push(e), clock: noWait },
      async (tx, { attempt }) => {
        const { value } = (await tx.query<{ value: number }>('SELECT value FROM counter WHERE id = 1')).rows[0]!;
        if (attempt === 1) await other.query('UPDATE counter SET value = value + 10 WHERE id = 1'); // someone else commits in between
        await tx.query('UPDATE counter SET value = $1 WHERE id = 1', [value + 1]);
        return { attempt, wrote: value + 1 };
      },
    );
    expect(result).toEqual({ attempt: 2, wrote: 11 });
    expect(await counter()).toBe(11);
    expect(
      events.map((e) => ({
        attempt: e.attempt,
        isolation: e.isolation,
        code: sqlState(e.error),
        message: (e.error as Error).message,
      })),
    ).toEqual([
      {
        attempt: 1,
        isolation: 'repeatable read',
        code: '40001',
        message: 'could not serialize access due to concurrent update',
      },
    ]);
  });

  it('retries a write skew caught at COMMIT under serializable; the retry sees one doctor on call and refuses', async () => {
    const codes: Array<string | undefined> = [];
    const result = await inTransaction(
      pool,
      { isolation: 'serializable', onRetry: (e) => codes.push(sqlState(e.error)), clock: noWait },
      async (tx, { attempt }) => {
        const onCall = (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM doctors WHERE on_call')).rows[0]!
          .n;
        if (attempt === 1) {
          // bob, in his own serializable transaction, does the same check and goes off call first
          await other.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
          await other.query('SELECT count(*) FROM doctors WHERE on_call');
          await other.query(`UPDATE doctors SET on_call = false WHERE name = 'bob'`);
          await other.query('COMMIT');
        }
        if (onCall < 2) return `refused on attempt ${attempt}`;
        await tx.query(`UPDATE doctors SET on_call = false WHERE name = 'alice'`);
        return `off call on attempt ${attempt}`;
      },
    );
    expect(result).toBe('refused on attempt 2');
    expect(codes).toEqual(['40001']);
    expect((await other.query('SELECT name FROM doctors WHERE on_call')).rows).toEqual([{ name: 'alice' }]);
  });

  it('retries the victim of a real deadlock (40P01)', async () => {
    const events: RetryEvent[] = [];
    let otherUpdate: Promise<unknown> | undefined;
    const result = await inTransaction(
      pool,
      { isolation: 'read committed', onRetry: (e) => events.push(e), clock: noWait },
      async (tx, { attempt }) => {
        if (attempt === 1) {
          // Make the runner's transaction the one that detects the cycle (and is rolled back).
          await tx.query(`SET LOCAL deadlock_timeout = '50ms'`);
          await other.query(`SET deadlock_timeout = '10s'`);
          onTestFinished(() => other.query('RESET deadlock_timeout').then(() => undefined));
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await tx.query('UPDATE counter SET value = value + 1 WHERE id = 1');
          await other.query('BEGIN');
          await other.query('UPDATE counter SET value = value + 10 WHERE id = 2');
          const mine = tx.query('UPDATE counter SET value = value + 1 WHERE id = 2'); // waits for other
          await eventually(
            async () =>
              (await watcher.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]
                ?.wait_event_type === 'Lock',
            {
              what: 'the runner to wait for the other transaction',
            },
          );
          otherUpdate = other.query('UPDATE counter SET value = value + 10 WHERE id = 1'); // closes the cycle
          await mine; // rejected with 40P01 once the runner's deadlock check fires
        }
        await otherUpdate; // the rollback released row 1: the other transaction goes through
        await other.query('COMMIT');
        await tx.query('UPDATE counter SET value = value + 1 WHERE id IN (1, 2)');
        return attempt;
      },
    );
    expect(result).toBe(2);
    expect(events.map((e) => sqlState(e.error))).toEqual(['40P01']);
    expect([await counter(1), await counter(2)]).toEqual([11, 11]);
  });

  it('gives up after maxAttempts with a typed error carrying the attempt count and the last cause, having rolled back every attempt', async () => {
    const delays: number[] = [];
    let calls = 0;
    const error = await inTransaction(
      pool,
      { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15, random: () => 0.5, clock: recordingClock(delays) },
      async (tx) => {
        calls++;
        await tx.query(`INSERT INTO items VALUES ('attempt ${calls}')`);
        await tx.query(raise('40001', 'could not serialize (forced)'));
      },
    ).catch((e: unknown) => e);
    expect(isTransactionError(error, 'retries-exhausted')).toBe(true);
    const exhausted = error as RetriesExhaustedError;
    expect({ attempts: exhausted.attempts, isolation: exhausted.isolation, message: exhausted.message }).toEqual({
      attempts: 3,
      isolation: 'serializable',
      message: 'gave up after 3 attempts at serializable: could not serialize (forced)',
    });
    expect(sqlState(exhausted.lastError)).toBe('40001');
    expect(exhausted.cause).toBe(exhausted.lastError);
    expect(calls).toBe(3);
    expect(delays).toEqual([5, 8]); // 0.5 x min(15, 10), 0.5 x min(15, 20) rounded
    expect(await itemCount()).toBe(0);
  });

  it('with maxAttempts 1 never retries: the first 40001 is reported as exhausted after 1 attempt', async () => {
    const error = await inTransaction(
      pool,
      { maxAttempts: 1 },
      async (tx) => void (await tx.query(raise('40001'))),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'RetriesExhaustedError',
      attempts: 1,
      message: 'gave up after 1 attempt at serializable: forced by the test',
    });
  });
});

describe('errors that are not retried', () => {
  it('rolls back and rethrows the body’s own error unchanged, after one attempt', async () => {
    const boom = new Error('boom');
    let calls = 0;
    await expect(
      inTransaction(pool, {}, async (tx) => {
        calls++;
        await tx.query(`INSERT INTO items VALUES ('half-done')`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(await itemCount()).toBe(0);
  });

  it('surfaces a server error such as a unique violation (23505) unchanged and keeps none of the writes', async () => {
    let calls = 0;
    const error = await inTransaction(pool, { isolation: 'read committed' }, async (tx) => {
      calls++;
      await tx.query(`INSERT INTO items VALUES ('a')`);
      await tx.query(`INSERT INTO items VALUES ('a')`);
    }).catch((e: unknown) => e);
    expect({ code: sqlState(error), message: (error as Error).message }).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "items_pkey"',
    });
    expect(calls).toBe(1);
    expect(await itemCount()).toBe(0);
  });

  it('refuses to report success when the body swallowed a failed statement (COMMIT answered ROLLBACK)', async () => {
    const error = await inTransaction(pool, {}, async (tx) => {
      await tx.query(`INSERT INTO items VALUES ('lost')`);
      await tx.query('SELECT 1 / 0').catch(() => 'swallowed');
      return 'looks fine';
    }).catch((e: unknown) => e);
    expect(isTransactionError(error, 'commit-rolled-back')).toBe(true);
    expect((error as Error).message).toBe(
      'COMMIT was answered with ROLLBACK at serializable: a statement in the transaction failed and its error was swallowed, so nothing was saved',
    );
    expect(await itemCount()).toBe(0);
  });

  it('surfaces a connection killed mid-transaction, discards that connection, and the pool keeps working', async () => {
    const own = ownPool(1);
    let firstPid = 0;
    const error = await inTransaction(own, {}, async (tx) => {
      firstPid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await other.query('SELECT pg_terminate_backend($1)', [firstPid]);
      await eventually(
        async () => (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [firstPid])).rowCount === 0,
        { what: 'the backend to exit' },
      );
      await tx.query('SELECT 1');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isTransactionError(error)).toBe(false);
    const nextPid = await inTransaction(
      own,
      {},
      async (tx) => (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    );
    expect(nextPid).not.toBe(firstPid);
    expect(own.totalCount).toBe(1);
  });
});

describe('cancelling', () => {
  it('rejects with the signal’s reason before taking a connection when already aborted', async () => {
    const own = ownPool(1);
    const reason = new Error('shutting down');
    let calls = 0;
    await expect(
      inTransaction(own, { signal: AbortSignal.abort(reason) }, async () => {
        calls++;
      }),
    ).rejects.toBe(reason);
    expect({ calls, connections: own.totalCount }).toEqual({ calls: 0, connections: 0 });
  });

  it('cuts a backoff short and rejects with the reason, without another attempt', async () => {
    const controller = new AbortController();
    const reason = new Error('request cancelled');
    let calls = 0;
    const runner = transactionRunner(pool, {
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      random: () => 1,
      onRetry: () => controller.abort(reason),
    });
    await expect(
      runner.run(
        async (tx) => {
          calls++;
          await tx.query(raise('40001'));
        },
        { signal: controller.signal },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(1);
  });
});

describe('classifying errors', () => {
  it('recognises 40001 and 40P01 on real server errors and nothing else', async () => {
    const serialization = await serverError(raise('40001'));
    const deadlock = await serverError(raise('40P01'));
    const unique = await serverError(raise('23505'));
    expect(
      [serialization, deadlock, unique].map((e) => [
        sqlState(e),
        isSerializationFailure(e),
        isDeadlock(e),
        isRetryableTransactionError(e),
      ]),
    ).toEqual([
      ['40001', true, false, true],
      ['40P01', false, true, true],
      ['23505', false, false, false],
    ]);
    // Only the error itself counts: a wrapper (even the runner's own exhausted error) is not a serialization failure.
    const wrapped = new RetriesExhaustedError(3, 'serializable', serialization);
    expect([null, undefined, 'x', { code: 40001 }, new Error('40001'), wrapped].map(isSerializationFailure)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('grows the backoff ceiling exponentially up to maxDelayMs (full jitter scales it)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, 2, 100, () => 1))).toEqual([
      2, 4, 8, 16, 32, 64, 100, 100,
    ]);
    expect([1, 5].map((n) => backoffDelay(n, 2, 100, () => 0))).toEqual([0, 0]);
    expect(backoffDelay(3, 10, 1_000, () => 0.25)).toBe(10);
  });
});

describe('bad input', () => {
  const cases: Array<[what: string, options: TransactionOptions, message: string]> = [
    [
      'an unknown isolation level',
      { isolation: 'read uncommitted' as never },
      'isolation must be one of "read committed", "repeatable read", "serializable" (got "read uncommitted")',
    ],
    [
      'an upper-case isolation level',
      { isolation: 'SERIALIZABLE' as never },
      'isolation must be one of "read committed", "repeatable read", "serializable" (got "SERIALIZABLE")',
    ],
    ['maxAttempts below 1', { maxAttempts: 0 }, 'maxAttempts must be a positive integer (got 0)'],
    ['a fractional maxAttempts', { maxAttempts: 2.5 }, 'maxAttempts must be a positive integer (got 2.5)'],
    ['a NaN maxAttempts', { maxAttempts: Number.NaN }, 'maxAttempts must be a positive integer (got NaN)'],
    ['a negative baseDelayMs', { baseDelayMs: -1 }, 'baseDelayMs must be a finite number >= 0 (got -1)'],
    ['an infinite baseDelayMs', { baseDelayMs: Infinity }, 'baseDelayMs must be a finite number >= 0 (got Infinity)'],
    ['a negative maxDelayMs', { maxDelayMs: -5 }, 'maxDelayMs must be a finite number >= baseDelayMs (2) (got -5)'],
    [
      'maxDelayMs below baseDelayMs',
      { baseDelayMs: 50, maxDelayMs: 10 },
      'maxDelayMs must be a finite number >= baseDelayMs (50) (got 10)',
    ],
    ['an onRetry that is not a function', { onRetry: 'log' as never }, 'onRetry must be a function (got a string)'],
    [
      'a shouldRetry that is not a function',
      { shouldRetry: true as never },
      'shouldRetry must be a function (got a boolean)',
    ],
    ['a random that is not a function', { random: 0.5 as never }, 'random must be a function (got a number)'],
    [
      'a clock without sleep()',
      { clock: { sleep: 5 } as never },
      'clock must be a Clock (an object with sleep()) (got an object)',
    ],
    [
      'a signal that is not an AbortSignal',
      { signal: 'stop' as never },
      'signal must be an AbortSignal (got a string)',
    ],
    ['options that are not an object', null as never, 'options must be an object (got null)'],
  ];

  it.each(cases)(
    'rejects %s with a TransactionArgumentError naming the argument, before taking a connection',
    async (_what, options, message) => {
      const own = ownPool(1);
      const error = await inTransaction(own, options, async () => 'never runs').catch((e: unknown) => e);
      expect(isTransactionError(error, 'argument')).toBe(true);
      const e = error as TransactionArgumentError;
      expect(e.message).toBe(message);
      // The structured fields name the argument, the rule and the very value that broke it.
      expect(e.argument).toBe(message.split(' ')[0]);
      expect(message.startsWith(`${e.argument} ${e.rule} (got `)).toBe(true);
      expect(e.value).toBe(e.argument === 'options' ? options : (options as Record<string, unknown>)[e.argument]);
      expect(own.totalCount).toBe(0);
    },
  );

  it('rejects a missing pool and a body that is not a function', async () => {
    expect(() => transactionRunner(undefined as never)).toThrow(
      'pool must be a pg.Pool (an object with connect()) (got undefined)',
    );
    const error = await transactionRunner(pool)
      .run('SELECT 1' as never)
      .catch((e: unknown) => e);
    expect(isTransactionError(error, 'argument') && error.message).toBe(
      'body must be a function (tx, context) => Promise (got a string)',
    );
  });
});
