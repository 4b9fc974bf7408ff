// Break it: the on-call rule under load. Each round staffs a fresh shift with alice and bob and fires
// 12 concurrent "go off call if at least 2 are on call" transactions at it. Below serializable the
// rule is checked on snapshots that cannot see the other request, and the shift ends up empty; at
// serializable with the retry runner every round ends with exactly one doctor on call.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRota, rushShift, warmPool, type RushResult } from '../src/lab/doctors.ts';
import type { TransactionOptions } from '../src/index.ts';

const REQUESTS = 12;
const ROUNDS = 6;

let db: PostgresDatabase;
let pool: pg.Pool;
let nextShift = 0;

beforeAll(async () => {
  db = await postgresDatabase({ name: 'doctors' });
  pool = db.pool({ max: REQUESTS });
  await createRota(pool);
  await warmPool(pool, REQUESTS); // 12 open connections, so the 12 requests of a round really overlap
});
afterAll(() => db?.close());

async function rounds(options: TransactionOptions): Promise<RushResult[]> {
  const results: RushResult[] = [];
  for (let i = 0; i < ROUNDS; i++) results.push(await rushShift(pool, ++nextShift, REQUESTS, options));
  return results;
}
const sum = (rs: RushResult[], key: 'retries' | 'gaveUp' | 'wentOff'): number => rs.reduce((n, r) => n + r[key], 0);
const emptied = (rs: RushResult[]): RushResult[] => rs.filter((r) => r.onCall === 0);

describe('the naive version: the same transaction below serializable', () => {
  it('read committed, no retry: shifts end with nobody on call, and more requests "went off call" than there were doctors', async () => {
    const rs = await rounds({ isolation: 'read committed', maxAttempts: 1 });
    expect(emptied(rs).length).toBeGreaterThanOrEqual(1);
    for (const r of emptied(rs)) expect(r.wentOff).toBeGreaterThanOrEqual(2);
    expect({ retries: sum(rs, 'retries'), gaveUp: sum(rs, 'gaveUp') }).toEqual({ retries: 0, gaveUp: 0 }); // nothing ever failed
  });

  it('repeatable read, no retry: shifts still end empty; requests for the same doctor fail with 40001 instead', async () => {
    const rs = await rounds({ isolation: 'repeatable read', maxAttempts: 1 });
    expect(emptied(rs).length).toBeGreaterThanOrEqual(1);
    for (const r of emptied(rs)) expect(r.wentOff).toBe(2); // one commit per doctor: first updater wins
    expect(sum(rs, 'retries')).toBe(0);
  });

  it('repeatable read with the retry runner: it retries the 40001s, yet the shifts still end empty (retrying is not the fix)', async () => {
    const rs = await rounds({ isolation: 'repeatable read', maxAttempts: 20 });
    expect(emptied(rs).length).toBeGreaterThanOrEqual(1);
    expect(sum(rs, 'retries')).toBeGreaterThan(0);
    expect(sum(rs, 'gaveUp')).toBe(0);
  });
});

describe('the POC: serializable isolation and the retry runner', () => {
  it('every round keeps exactly one doctor on call; one request goes off call, the other 11 retry or refuse, none fails', async () => {
    const rs = await rounds({ isolation: 'serializable' });
    for (const r of rs) {
      expect({ onCall: r.onCall, wentOff: r.wentOff, refused: r.refused, gaveUp: r.gaveUp }).toEqual({
        onCall: 1,
        wentOff: 1,
        refused: REQUESTS - 1,
        gaveUp: 0,
      });
    }
    expect(sum(rs, 'retries')).toBeGreaterThan(0); // the server did detect conflicts; the runner absorbed them
  });

  it('serializable without retries keeps the rule too, but turns conflicts into failed requests', async () => {
    const rs = await rounds({ isolation: 'serializable', maxAttempts: 1 });
    for (const r of rs) expect({ onCall: r.onCall, wentOff: r.wentOff }).toEqual({ onCall: 1, wentOff: 1 });
    expect(sum(rs, 'gaveUp')).toBeGreaterThan(0);
  });
});
