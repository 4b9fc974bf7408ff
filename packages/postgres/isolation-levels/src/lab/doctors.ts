// The on-call rota under load: many concurrent requests to go off call on one shift. The rule "at
// least one doctor stays on call" is checked by each transaction on its own snapshot and broken by
// two of them together (write skew): only serializable isolation sees the conflict.
import type pg from 'pg';
import { isTransactionError } from '../errors.ts';
import { transactionRunner, type TransactionOptions } from '../transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export const DOCTORS = ['alice', 'bob'] as const;

export async function createRota(db: Queryable): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS rota (
    shift int NOT NULL, doctor text NOT NULL, on_call boolean NOT NULL, PRIMARY KEY (shift, doctor))`);
}

/** Shifts with both doctors on call (again). */
export async function staffShifts(db: Queryable, shifts: readonly number[]): Promise<void> {
  await db.query(
    `INSERT INTO rota (shift, doctor, on_call) SELECT s, d, true FROM unnest($1::int[]) AS s, unnest($2::text[]) AS d
     ON CONFLICT (shift, doctor) DO UPDATE SET on_call = true`,
    [shifts, DOCTORS],
  );
}

export async function onCall(db: Queryable, shift: number): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rota WHERE shift = $1 AND on_call', [shift]))
    .rows[0]!.n;
}

/** The transaction body: go off call only if at least one other doctor stays on call. */
export async function goOffCall(tx: pg.PoolClient, shift: number, doctor: string): Promise<'off call' | 'refused'> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM rota WHERE shift = $1 AND on_call', [
    shift,
  ]);
  if (rows[0]!.n < 2) return 'refused';
  await tx.query('UPDATE rota SET on_call = false WHERE shift = $1 AND doctor = $2', [shift, doctor]);
  return 'off call';
}

export interface RushResult {
  shift: number;
  /** Doctors on call once every request has finished: the invariant is onCall >= 1. */
  onCall: number;
  /** Requests whose transaction committed an "off call". */
  wentOff: number;
  /** Requests that saw fewer than 2 on call and deliberately did nothing. */
  refused: number;
  /** Requests whose every attempt ended in 40001/40P01 (with maxAttempts 1: the first one). */
  gaveUp: number;
  /** Attempts that failed and were run again. */
  retries: number;
}

/**
 * Staffs `shift` with two doctors and fires `requests` concurrent go-off-call transactions at it
 * (request i asks for DOCTORS[i % 2]), each through a runner with `options`. The pool should hold
 * `requests` open connections already so that they really overlap.
 */
export async function rushShift(
  pool: pg.Pool,
  shift: number,
  requests: number,
  options: TransactionOptions,
): Promise<RushResult> {
  await staffShifts(pool, [shift]);
  let retries = 0;
  const runner = transactionRunner(pool, {
    ...options,
    onRetry: (event) => {
      retries++;
      options.onRetry?.(event);
    },
  });
  const settled = await Promise.allSettled(
    Array.from({ length: requests }, (_, i) => runner.run((tx) => goOffCall(tx, shift, DOCTORS[i % 2]!))),
  );
  const result: RushResult = { shift, onCall: await onCall(pool, shift), wentOff: 0, refused: 0, gaveUp: 0, retries };
  for (const s of settled) {
    if (s.status === 'fulfilled') result[s.value === 'off call' ? 'wentOff' : 'refused']++;
    else if (isTransactionError(s.reason, 'retries-exhausted')) result.gaveUp++;
    else throw s.reason; // anything else is a real failure, not part of the experiment
  }
  return result;
}

/** Opens `n` connections of the pool up front, so a burst of `n` transactions starts at once. */
export async function warmPool(pool: pg.Pool, n: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
  for (const c of clients) c.release();
}
