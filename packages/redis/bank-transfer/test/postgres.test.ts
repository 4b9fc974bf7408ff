// The bench's comparison (bench/postgres-ledger.ts) must be a correct ledger too, or its transfers/s
// would compare a safe script with an unsafe transaction: the same random load, read back from PostgreSQL.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresLedger } from '../bench/postgres-ledger.ts';
import type { Transfer } from '../src/index.ts';
import { accountNames, expectedBalances, randomTransfers, sum } from './helpers.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'bank_transfer_pg' });
});
afterAll(() => db?.close());

describe('the PostgreSQL comparison: SERIALIZABLE transfers with retry', () => {
  it('conserves the total and overdraws nothing under 500 random transfers from 10 callers, retrying conflicts; a replay moves nothing', async () => {
    const pool = db.pool({ max: 10 });
    const l = postgresLedger(pool, 'random', { maxAttempts: 100 });
    await l.create();
    const ACCOUNTS = accountNames(8);
    const opening = new Map(ACCOUNTS.map((a, i) => [a, i % 2 === 0 ? 1_000 : 0]));
    await l.open(opening);
    const transfers = randomTransfers(500, ACCOUNTS, 300, 'p');

    const done: Transfer[] = [];
    let refused = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < transfers.length) {
          const t = transfers[next++]!;
          const outcome = await l.transfer(t);
          if (outcome.status === 'done') done.push(t);
          else if (outcome.status === 'insufficient-funds') refused++;
          else expect.fail(`unexpected outcome ${outcome.status}`);
        }
      }),
    );
    expect(done.length + refused).toBe(500);
    expect(refused).toBeGreaterThan(0);

    const after = await l.balances();
    expect(sum(after.values())).toBe(sum(opening.values()));
    expect(Math.min(...after.values())).toBeGreaterThanOrEqual(0);
    expect(after).toEqual(expectedBalances(opening, done));

    const replayed = await l.transfer(transfers[0]!);
    expect(replayed.replayed).toBe(true);
    expect(await l.balances()).toEqual(after);
    await expect(l.transfer({ ...transfers[0]!, amount: transfers[0]!.amount + 1 })).rejects.toThrow(
      /the key was used for another transfer/,
    );
  });

  it('moves the money once when one key arrives from 10 callers at once (the claim waits, then 40001, then replays)', async () => {
    const l = postgresLedger(db.pool({ max: 10 }), 'duplicates', { maxAttempts: 100 });
    await l.create();
    await l.open(
      new Map([
        ['payer', 1_000],
        ['payee', 0],
      ]),
    );
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => l.transfer({ key: 'once', from: 'payer', to: 'payee', amount: 100 })),
    );
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    expect(await l.balances()).toEqual(
      new Map([
        ['payer', 900],
        ['payee', 100],
      ]),
    );
  });
});
