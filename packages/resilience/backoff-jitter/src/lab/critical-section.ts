// The contended real resource the tests, bench and demo retry against: a critical section in
// PostgreSQL guarded by a transaction-scoped advisory lock. One attempt is one SQL statement calling a
// PL/pgSQL function: pg_try_advisory_xact_lock() answers at once (no queueing on the server), and when it
// wins, the function holds the lock for holdMs of real work and records the client, all in the one
// transaction of that statement, so the lock is released exactly when the work is committed. A client
// that finds the lock held gets ResourceBusyError: the failure a back-off has to space out.
import type { Operation } from '@poc/kit';
import type pg from 'pg';
import { ResourceBusyError, check, postgresCall } from '../errors.ts';

export interface CriticalSection {
  readonly table: string;
  /** The advisory-lock key guarding it (a test can hold it from another session). */
  readonly lockKey: number;
  /** One attempt by `client`: resolves when it did the work, rejects with ResourceBusyError when the lock was held. */
  attempt(client: string): Operation<void>;
  /** Attempts made so far (successful or busy), counted here as they reach the server. */
  calls(): number;
  /** Clients that did the work, as recorded by the server (in commit order). */
  done(): Promise<string[]>;
  /** Empties the record and the call count, for the next round. */
  reset(): Promise<void>;
}

export interface CriticalSectionOptions {
  /** Names the table and the function (an SQL identifier: lower case, digits, underscore). */
  name: string;
  /** How long the winner holds the lock, in ms. */
  holdMs: number;
}

/** Creates the table and the function under `name` (idempotent) and returns the resource. */
export async function criticalSection(pool: pg.Pool, options: CriticalSectionOptions): Promise<CriticalSection> {
  check.that(
    /^[a-z_][a-z0-9_]{0,40}$/.test(String(options.name)),
    'options.name',
    'must be an SQL identifier',
    options.name,
  );
  check.that(
    Number.isFinite(options.holdMs) && options.holdMs >= 0,
    'options.holdMs',
    'must be a finite number >= 0',
    options.holdMs,
  );
  const { name, holdMs } = options;
  const table = `${name}_done`;
  const lockKey = hashKey(name);
  await postgresCall(`creating the critical section "${name}"`, async () => {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (seq bigserial PRIMARY KEY, client text NOT NULL)`);
    await pool.query(`
      CREATE OR REPLACE FUNCTION ${name}_enter(lock_key bigint, hold_ms double precision, who text)
      RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT pg_try_advisory_xact_lock(lock_key) THEN RETURN false; END IF;
        PERFORM pg_sleep(hold_ms / 1000.0);
        INSERT INTO ${table} (client) VALUES (who);
        RETURN true;
      END $$`);
  });
  let calls = 0;
  return {
    table,
    lockKey,
    attempt: (client) => async (signal) => {
      signal.throwIfAborted();
      calls++;
      const { rows } = await postgresCall(`entering "${name}" as ${client}`, () =>
        pool.query<{ entered: boolean }>(`SELECT ${name}_enter($1, $2, $3) AS entered`, [lockKey, holdMs, client]),
      );
      if (!rows[0]?.entered) throw new ResourceBusyError(`"${name}" is held by another client (${client} must retry)`);
    },
    calls: () => calls,
    async done() {
      const { rows } = await pool.query<{ client: string }>(`SELECT client FROM ${table} ORDER BY seq`);
      return rows.map((r) => r.client);
    },
    async reset() {
      await pool.query(`TRUNCATE ${table}`);
      calls = 0;
    },
  };
}

/** A stable 32-bit advisory-lock key for a name (lock keys are numbers). */
function hashKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}
