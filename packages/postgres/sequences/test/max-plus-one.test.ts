// Break it: MAX(id)+1 under real concurrency. A barrier holds every writer after its read of MAX(id) and
// before its insert, so in each round every writer has read the same maximum: the race is certain, not
// hoped for. Without a unique constraint the duplicates go in; with the primary key all but one writer
// fail with 23505. The sequence, under the same barrier, gives each writer its own ids.
import { barrier, postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKeys, isSequencesError, keyedTable } from '../src/index.ts';
import { maxPlusOneTable } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'sequences_max' });
  pool = db.pool({ max: 12 });
});
afterAll(() => db?.close());

const WORKERS = 8;
const ROUNDS = 5;

async function rounds(insert: () => Promise<unknown>): Promise<{ ok: number; duplicateKey: number }> {
  const tally = { ok: 0, duplicateKey: 0 };
  for (let round = 0; round < ROUNDS; round++)
    await Promise.all(
      Array.from({ length: WORKERS }, () =>
        insert().then(
          () => void tally.ok++,
          (e: unknown) => {
            if (!isSequencesError(e, 'duplicate-key')) throw e;
            tally.duplicateKey++;
          },
        ),
      ),
    );
  return tally;
}

describe('break it: MAX()+1 with concurrent writers', () => {
  it('without a unique constraint: every round stores the same id WORKERS times', async () => {
    const table = maxPlusOneTable(pool, { table: 'no_constraint', unique: false, between: barrier(WORKERS) });
    await table.create();
    expect(await rounds(() => table.insert(['order']))).toEqual({ ok: WORKERS * ROUNDS, duplicateKey: 0 });
    const { rows } = await pool.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM no_constraint',
    );
    expect(rows[0]).toEqual({ n: WORKERS * ROUNDS, distinct: ROUNDS }); // (WORKERS - 1) duplicates per round
  });

  it('with the primary key: one writer per round wins, the others fail with DuplicateKeyError (23505)', async () => {
    const table = maxPlusOneTable(pool, { table: 'with_pk', between: barrier(WORKERS) });
    await table.create();
    expect(await rounds(() => table.insert(['order']))).toEqual({ ok: ROUNDS, duplicateKey: (WORKERS - 1) * ROUNDS });
    const { rows } = await pool.query<{ id: string }>('SELECT id::text AS id FROM with_pk ORDER BY with_pk.id');
    expect(rows.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('the sequence, with every transaction held open by the same barrier: no duplicate, no error', async () => {
    await keyedTable(pool, identityKeys, { table: 'by_sequence' }).create();
    const held = barrier(WORKERS);
    const insert = async (): Promise<void> => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await keyedTable(client, identityKeys, { table: 'by_sequence' }).insert(['order']);
        await held();
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    expect(await rounds(insert)).toEqual({ ok: WORKERS * ROUNDS, duplicateKey: 0 });
    const { rows } = await pool.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM by_sequence',
    );
    expect(rows[0]).toEqual({ n: WORKERS * ROUNDS, distinct: WORKERS * ROUNDS });
  });

  it('one writer at a time, MAX()+1 is correct: the failure is the concurrency, not the arithmetic', async () => {
    const table = maxPlusOneTable(pool, { table: 'serial' });
    await table.create();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await table.insert(['a', 'b'])));
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });
});
