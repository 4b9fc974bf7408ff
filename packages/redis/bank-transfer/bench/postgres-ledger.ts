// The comparison for the bench: the same ledger in PostgreSQL, each transfer one SERIALIZABLE transaction
// run by poc-postgres-isolation-levels' transactionRunner, which retries serialization failures (40001)
// and deadlocks (40P01) with jittered backoff. Same work as the Lua script: look up the idempotency key,
// check the balance, move the money, record the outcome (refusals too). Lives in bench/ (with its test in
// test/postgres.test.ts) because that runner is a devDependency of this package, not part of its API.
import type pg from 'pg';
import { transactionRunner, type TransactionOptions } from 'poc-postgres-isolation-levels';
import type { Transfer } from '../src/index.ts';

export type PostgresOutcome = {
  status: 'done' | 'insufficient-funds' | 'unknown-account';
  replayed: boolean;
  /** The paying account's balance after the transfer (done) or when it was refused. */
  fromBalance?: number;
};

export interface PostgresLedger {
  readonly name: string;
  /** Serialization failures and deadlocks retried so far. */
  readonly retries: number;
  create(): Promise<void>;
  drop(): Promise<void>;
  open(accounts: ReadonlyMap<string, number>): Promise<void>;
  balances(): Promise<Map<string, number>>;
  transfer(t: Transfer): Promise<PostgresOutcome>;
}

/** Tables `<name>_accounts` and `<name>_transfers`; `name` is a lower-case SQL identifier. */
export function postgresLedger(
  pool: pg.Pool,
  name: string,
  options: Omit<TransactionOptions, 'isolation' | 'onRetry'> = {},
): PostgresLedger {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name))
    throw new Error(`name must be a lower-case SQL identifier (got "${name}")`);
  const accounts = `${name}_accounts`;
  const transfers = `${name}_transfers`;
  let retries = 0;
  const runner = transactionRunner(pool, { ...options, isolation: 'serializable', onRetry: () => void retries++ });
  return {
    name,
    get retries() {
      return retries;
    },
    async create() {
      await pool.query(
        `CREATE TABLE ${accounts} (id text PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0));
         CREATE TABLE ${transfers} (key text PRIMARY KEY, from_account text NOT NULL, to_account text NOT NULL,
                                    amount bigint NOT NULL, outcome text, from_balance bigint)`,
      ); // outcome is NULL only inside the transaction that claimed the key
    },
    async drop() {
      await pool.query(`DROP TABLE IF EXISTS ${accounts}, ${transfers}`);
    },
    async open(list) {
      await pool.query(`INSERT INTO ${accounts} (id, balance) SELECT * FROM unnest($1::text[], $2::bigint[])`, [
        [...list.keys()],
        [...list.values()],
      ]);
      await pool.query(`ANALYZE ${accounts}`); // so the planner reads two rows by index, not the whole table
    },
    async balances() {
      const { rows } = await pool.query<{ id: string; balance: string }>(`SELECT id, balance FROM ${accounts}`);
      return new Map(rows.map((r) => [r.id, Number(r.balance)]));
    },
    transfer: (t) =>
      runner.run(async (tx) => {
        // Claim the key first. Looking it up with a SELECT instead puts a predicate lock on the index page
        // every new key is inserted into, and SERIALIZABLE then aborts most concurrent pairs of transfers,
        // whatever accounts they touch (tried while writing this bench: several retries per transfer
        // instead of a fraction of one). A duplicate waits for the first claim; if that committed, the row
        // is invisible to this snapshot and PostgreSQL answers 40001, so the retry finds and replays it.
        const claimed = await tx.query(
          `INSERT INTO ${transfers} (key, from_account, to_account, amount) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO NOTHING RETURNING key`,
          [t.key, t.from, t.to, t.amount],
        );
        if (claimed.rowCount === 0) {
          const { rows } = await tx.query<Recorded>(
            `SELECT from_account, to_account, amount, outcome, from_balance FROM ${transfers} WHERE key = $1`,
            [t.key],
          );
          const first = rows[0]!;
          if (first.from_account !== t.from || first.to_account !== t.to || Number(first.amount) !== t.amount)
            throw new Error(`transfer "${t.key}" refused: the key was used for another transfer; nothing was moved`);
          return { status: first.outcome, replayed: true, ...balanceOf(first.from_balance) };
        }
        const { rows } = await tx.query<{ id: string; balance: string }>(
          `SELECT id, balance FROM ${accounts} WHERE id = ANY($1::text[])`,
          [[t.from, t.to]],
        );
        const from = rows.find((r) => r.id === t.from);
        let outcome: PostgresOutcome;
        if (!from || !rows.some((r) => r.id === t.to)) outcome = { status: 'unknown-account', replayed: false };
        else if (Number(from.balance) < t.amount)
          outcome = { status: 'insufficient-funds', replayed: false, fromBalance: Number(from.balance) };
        else {
          // Rows updated in id order, so two transfers between the same accounts wait, not deadlock.
          for (const id of [t.from, t.to].sort())
            await tx.query(`UPDATE ${accounts} SET balance = balance + $2 WHERE id = $1`, [
              id,
              id === t.from ? -t.amount : t.amount,
            ]);
          outcome = { status: 'done', replayed: false, fromBalance: Number(from.balance) - t.amount };
        }
        await tx.query(`UPDATE ${transfers} SET outcome = $2, from_balance = $3 WHERE key = $1`, [
          t.key,
          outcome.status,
          outcome.fromBalance ?? null,
        ]);
        return outcome;
      }),
  };
}

interface Recorded {
  from_account: string;
  to_account: string;
  amount: string;
  outcome: PostgresOutcome['status'];
  from_balance: string | null;
}

const balanceOf = (value: string | null): { fromBalance?: number } =>
  value === null ? {} : { fromBalance: Number(value) };
