// What PostgreSQL allows at each isolation level, shown by two real connections T1 and T2 driven
// step by step (the scripts are in src/lab/anomalies.ts, written as T1/T2 tables). Every record is
// asserted exactly: what each transaction read, which statement waited on whose lock, which failed
// with which SQLSTATE, and the final state.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  doubleBooking,
  dirtyRead,
  dirtyWrite,
  lostUpdate,
  phantom,
  readSkew,
  runScenario,
  writeSkew,
} from '../src/lab/anomalies.ts';
import { openSessions, type Sessions } from '../src/lab/sessions.ts';

const CONCURRENT_UPDATE = '40001: could not serialize access due to concurrent update';
const RW_DEPENDENCIES = '40001: could not serialize access due to read/write dependencies among transactions';

let db: PostgresDatabase;
let s: Sessions;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'anomalies' });
  s = await openSessions(() => db.client()); // clients are ended by db.close()
});
afterAll(() => db?.close());

describe('dirty write: T2 writes a row T1 has written but not committed', () => {
  it('read committed: T2 waits for T1, then writes over the committed row; listing and invoice agree', async () => {
    const r = await runScenario(s, dirtyWrite, 'read committed');
    expect(r).toEqual({ t2WaitedFor: ['T1'], t2ListingUpdate: 'UPDATE 1', listing: 'Bob', invoice: 'Bob' });
    expect(dirtyWrite.verdict(r).anomaly).toBe(false);
  });

  it.each(['repeatable read', 'serializable'])(
    '%s: T2 waits for T1, then fails with 40001; T1’s writes stand',
    async (level) => {
      const r = await runScenario(s, dirtyWrite, level);
      expect(r).toEqual({
        t2WaitedFor: ['T1'],
        t2ListingUpdate: CONCURRENT_UPDATE,
        listing: 'Alice',
        invoice: 'Alice',
      });
      expect(dirtyWrite.verdict(r)).toEqual({
        anomaly: false,
        how: "T2 blocked on T1's row lock, then 40001 when T1 committed",
      });
    },
  );
});

describe('dirty read: T2 reads while T1 has an uncommitted withdrawal', () => {
  it.each(['read uncommitted', 'read committed', 'repeatable read', 'serializable'])(
    '%s: T2 sees the committed 500, never 400',
    async (level) => {
      const r = await runScenario(s, dirtyRead, level);
      // PostgreSQL accepts READ UNCOMMITTED and reports it, but runs it as read committed.
      expect(r).toEqual({ t2Level: level, t2SawAlice: 500 });
      expect(dirtyRead.verdict(r).anomaly).toBe(false);
    },
  );
});

describe('read skew / non-repeatable read: T2 transfers 100 between T1’s reads', () => {
  it('read committed: T1 sees alice 500 then 400, and a total of 1100', async () => {
    const r = await runScenario(s, readSkew, 'read committed');
    expect(r).toEqual({ t1Alice: 500, t1Bob: 600, t1AliceAgain: 400, t1Total: 1100 });
    expect(readSkew.verdict(r).anomaly).toBe(true);
  });

  it.each(['repeatable read', 'serializable'])(
    '%s: T1 reads one snapshot: alice 500 twice, total 1000',
    async (level) => {
      const r = await runScenario(s, readSkew, level);
      expect(r).toEqual({ t1Alice: 500, t1Bob: 500, t1AliceAgain: 500, t1Total: 1000 });
      expect(readSkew.verdict(r).anomaly).toBe(false);
    },
  );
});

describe('lost update: two read-modify-write increments of a counter at 0', () => {
  it('read committed: T2 waits, then overwrites T1’s increment: 2 committed, counter = 1', async () => {
    const r = await runScenario(s, lostUpdate, 'read committed');
    expect(r).toEqual({
      t1Read: 0,
      t2Read: 0,
      t2WaitedFor: ['T1'],
      t2Write: 'UPDATE 1',
      incrementsCommitted: 2,
      final: 1,
    });
    expect(lostUpdate.verdict(r)).toEqual({ anomaly: true, how: '2 increments committed, counter = 1' });
  });

  it.each(['repeatable read', 'serializable'])(
    '%s: T2 waits, then fails with 40001 (concurrent update): 1 committed, counter = 1',
    async (level) => {
      const r = await runScenario(s, lostUpdate, level);
      expect(r).toEqual({
        t1Read: 0,
        t2Read: 0,
        t2WaitedFor: ['T1'],
        t2Write: CONCURRENT_UPDATE,
        incrementsCommitted: 1,
        final: 1,
      });
      expect(lostUpdate.verdict(r).anomaly).toBe(false);
    },
  );

  it('read committed: an atomic UPDATE value = value + 1 re-reads the row after the wait, so both increments count', async () => {
    await s.observer.query(lostUpdate.setup);
    const { T1, T2, observer } = s;
    try {
      await T1.begin('read committed'); //                                     T1 | T2
      await T2.begin('read committed');
      await T1.run('UPDATE counter SET value = value + 1 WHERE id = 1'); //  +1 |
      const t2 = T2.start('UPDATE counter SET value = value + 1 WHERE id = 1'); // | +1 … waits
      expect(await t2.blocked()).toEqual({ waitingOn: ['T1'] });
      expect((await T1.commit()).ok).toBe(true); //                     COMMIT |
      expect(await t2.result).toMatchObject({ ok: true, command: 'UPDATE', rowCount: 1 }); // | resumes on value 1
      expect((await T2.commit()).ok).toBe(true); //                            | COMMIT
      expect((await observer.query('SELECT value FROM counter WHERE id = 1')).rows[0]).toEqual({ value: 2 });
    } finally {
      await T1.rollback();
      await T2.rollback();
    }
  });
});

describe('write skew: alice and bob each check that 2 doctors are on call, then go off call', () => {
  it.each(['read committed', 'repeatable read'])('%s: both commit and nobody is on call', async (level) => {
    const r = await runScenario(s, writeSkew, level);
    expect(r).toEqual({
      t1Saw: 2,
      t2Saw: 2,
      t1Update: 'UPDATE 1',
      t2Update: 'UPDATE 1',
      t1Commit: 'COMMIT',
      t2Commit: 'COMMIT',
      onCallAfter: 0,
    });
    expect(writeSkew.verdict(r)).toEqual({ anomaly: true, how: 'both committed: 0 doctors on call' });
  });

  it('serializable: no lock wait at all, but T2’s COMMIT fails with 40001 and bob stays on call', async () => {
    const r = await runScenario(s, writeSkew, 'serializable');
    expect(r).toEqual({
      t1Saw: 2,
      t2Saw: 2,
      t1Update: 'UPDATE 1',
      t2Update: 'UPDATE 1',
      t1Commit: 'COMMIT',
      t2Commit: RW_DEPENDENCIES,
      onCallAfter: 1,
    });
    expect(writeSkew.verdict(r)).toEqual({ anomaly: false, how: "T2's COMMIT failed with 40001 (no lock wait)" });
  });

  it('read committed: locking the rows read (SELECT ... FOR UPDATE) makes T2 wait and re-read, so it refuses', async () => {
    await s.observer.query(writeSkew.setup);
    const { T1, T2, observer } = s;
    const onCallForUpdate = 'SELECT name FROM doctors WHERE on_call FOR UPDATE';
    try {
      await T1.begin('read committed');
      await T2.begin('read committed');
      expect(await T1.run(onCallForUpdate)).toMatchObject({ ok: true, rowCount: 2 }); // T1 locks alice and bob
      const t2Read = T2.start(onCallForUpdate); //                                              T2 … waits
      expect(await t2Read.blocked()).toEqual({ waitingOn: ['T1'] });
      await T1.run(`UPDATE doctors SET on_call = false WHERE name = 'alice'`);
      await T1.commit();
      // At read committed a locking read re-checks each row after the wait: alice is no longer on call.
      expect(await t2Read.result).toMatchObject({ ok: true, rows: [{ name: 'bob' }] });
      await T2.commit(); // 1 on call: bob refuses to leave
      expect((await observer.query('SELECT count(*)::int AS n FROM doctors WHERE on_call')).rows[0]).toEqual({ n: 1 });
    } finally {
      await T1.rollback();
      await T2.rollback();
    }
  });
});

describe('phantom: T1 counts bookings in a range twice while T2 inserts one inside it', () => {
  it('read committed: the count changes from 1 to 2 inside one transaction', async () => {
    const r = await runScenario(s, phantom, 'read committed');
    expect(r).toEqual({ firstCount: 1, secondCount: 2 });
    expect(phantom.verdict(r).anomaly).toBe(true);
  });

  it.each(['repeatable read', 'serializable'])(
    '%s: the snapshot keeps the count at 1 (stricter than the SQL standard asks of repeatable read)',
    async (level) => {
      const r = await runScenario(s, phantom, level);
      expect(r).toEqual({ firstCount: 1, secondCount: 1 });
      expect(phantom.verdict(r).anomaly).toBe(false);
    },
  );
});

describe('predicate write skew: two bookings each check "nothing overlaps" and insert', () => {
  it.each(['read committed', 'repeatable read'])(
    '%s: both inserts commit and room A is double-booked',
    async (level) => {
      const r = await runScenario(s, doubleBooking, level);
      expect(r).toEqual({
        t1Saw: 0,
        t2Saw: 0,
        t2Insert: 'INSERT 1',
        t1Commit: 'COMMIT',
        t2Commit: 'COMMIT',
        overlapping: 2,
      });
      expect(doubleBooking.verdict(r).anomaly).toBe(true);
    },
  );

  it('serializable: T2’s COMMIT fails with 40001; one booking remains', async () => {
    const r = await runScenario(s, doubleBooking, 'serializable');
    expect(r).toEqual({
      t1Saw: 0,
      t2Saw: 0,
      t2Insert: 'INSERT 1',
      t1Commit: 'COMMIT',
      t2Commit: RW_DEPENDENCIES,
      overlapping: 1,
    });
    expect(doubleBooking.verdict(r)).toEqual({ anomaly: false, how: "T2's COMMIT failed with 40001" });
  });
});

describe('the T1/T2 helper itself', () => {
  it('fails blocked() at once when the statement finished instead of waiting for a lock', async () => {
    const { T1 } = s;
    const p = T1.start('SELECT 1');
    await p.result;
    await expect(p.blocked()).rejects.toThrow('T1: "SELECT 1" finished without waiting for a lock');
  });
});
