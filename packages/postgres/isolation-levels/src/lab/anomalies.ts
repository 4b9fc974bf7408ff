// The textbook anomalies as T1/T2 scripts on two real connections. Each script records what the
// transactions saw and what the server answered; `verdict` turns that record into "allowed" or
// "prevented (how)". Tests assert the records exactly; the demo prints the verdicts. Nothing here is
// hard-coded per level: the level is only the argument of BEGIN.
import type { Sessions, Step } from './sessions.ts';

export const LEVELS = ['read committed', 'repeatable read', 'serializable'] as const;

export interface Verdict {
  anomaly: boolean;
  how: string;
}

export interface Scenario<Record> {
  id: string;
  title: string;
  /** What would go wrong, in one line. */
  question: string;
  /** Levels the demo runs it at. */
  levels: readonly string[];
  /** Run by the observer before every run: a fresh table in a known state. */
  setup: string;
  run(s: Sessions, level: string): Promise<Record>;
  verdict(record: Record): Verdict;
}

/** A step's outcome as one exact string: "UPDATE 1", "COMMIT", or "40001: could not serialize ...". */
export const said = (s: Step): string =>
  s.ok
    ? ['UPDATE', 'INSERT', 'DELETE'].includes(s.command)
      ? `${s.command} ${s.rowCount}`
      : s.command
    : `${s.code}: ${s.message}`;
const failed = (outcome: string): boolean => /^[0-9A-Z]{5}: /.test(outcome);
const code = (outcome: string): string => outcome.slice(0, 5);

const ACCOUNTS = `DROP TABLE IF EXISTS accounts;
  CREATE TABLE accounts (name text PRIMARY KEY, balance int NOT NULL);
  INSERT INTO accounts VALUES ('alice', 500), ('bob', 500);`;

const BOOKINGS = `DROP TABLE IF EXISTS bookings;
  CREATE TABLE bookings (room text NOT NULL, starts int NOT NULL, ends int NOT NULL);
  INSERT INTO bookings VALUES ('A', 9, 10);`;

export interface DirtyWriteRecord {
  t2WaitedFor: string[];
  t2ListingUpdate: string;
  listing: string;
  invoice: string;
}

/** Two buyers write the listing and the invoice of one car; a dirty write would mix them. */
export const dirtyWrite: Scenario<DirtyWriteRecord> = {
  id: 'dirty-write',
  title: 'Dirty write',
  question: 'Can T2 overwrite a row T1 has written but not committed (listing to Bob, invoice to Alice)?',
  levels: LEVELS,
  setup: `DROP TABLE IF EXISTS car_sale;
    CREATE TABLE car_sale (record text PRIMARY KEY, buyer text);
    INSERT INTO car_sale VALUES ('listing', NULL), ('invoice', NULL);`,
  async run({ T1, T2, observer }, level) {
    await T1.begin(level);
    await T2.begin(level);
    await T1.run(`UPDATE car_sale SET buyer = 'Alice' WHERE record = 'listing'`);
    const bob = T2.start(`UPDATE car_sale SET buyer = 'Bob' WHERE record = 'listing'`);
    const { waitingOn } = await bob.blocked();
    await T1.run(`UPDATE car_sale SET buyer = 'Alice' WHERE record = 'invoice'`);
    await T1.commit();
    const t2ListingUpdate = said(await bob.result);
    if (!failed(t2ListingUpdate)) {
      await T2.run(`UPDATE car_sale SET buyer = 'Bob' WHERE record = 'invoice'`);
      await T2.commit();
    }
    const { rows } = await observer.query<{ record: string; buyer: string }>('SELECT record, buyer FROM car_sale');
    const buyer = (r: string): string => rows.find((x) => x.record === r)!.buyer;
    return { t2WaitedFor: waitingOn, t2ListingUpdate, listing: buyer('listing'), invoice: buyer('invoice') };
  },
  verdict: (r) =>
    r.listing !== r.invoice
      ? { anomaly: true, how: `listing sold to ${r.listing}, invoice sent to ${r.invoice}` }
      : failed(r.t2ListingUpdate)
        ? { anomaly: false, how: `T2 blocked on T1's row lock, then ${code(r.t2ListingUpdate)} when T1 committed` }
        : {
            anomaly: false,
            how: `T2 blocked on T1's row lock, then wrote after T1 committed (both rows ${r.listing})`,
          },
};

export interface DirtyReadRecord {
  t2Level: string;
  t2SawAlice: number;
}

/** T1 withdraws 100 from alice and rolls back; T2 reads in between. */
export const dirtyRead: Scenario<DirtyReadRecord> = {
  id: 'dirty-read',
  title: 'Dirty read',
  question: "Can T2 read T1's uncommitted withdrawal (alice 500 → 400, later rolled back)?",
  levels: ['read uncommitted', ...LEVELS],
  setup: ACCOUNTS,
  async run({ T1, T2 }, level) {
    await T1.begin('read committed');
    await T1.run(`UPDATE accounts SET balance = balance - 100 WHERE name = 'alice'`);
    await T2.begin(level);
    const t2Level = await T2.value<string>('SHOW transaction_isolation');
    const t2SawAlice = await T2.value<number>(`SELECT balance FROM accounts WHERE name = 'alice'`);
    await T1.run('ROLLBACK');
    await T2.commit();
    return { t2Level, t2SawAlice };
  },
  verdict: (r) =>
    r.t2SawAlice === 400
      ? { anomaly: true, how: 'T2 saw the uncommitted 400' }
      : r.t2Level === 'read uncommitted'
        ? {
            anomaly: false,
            how: `T2 saw the committed ${r.t2SawAlice}: PostgreSQL runs read uncommitted as read committed`,
          }
        : { anomaly: false, how: `T2 saw the committed ${r.t2SawAlice}` },
};

export interface ReadSkewRecord {
  t1Alice: number;
  t1Bob: number;
  t1AliceAgain: number;
  t1Total: number;
}

/** T2 moves 100 from alice to bob between T1's two reads; the total T1 sees should stay 1000. */
export const readSkew: Scenario<ReadSkewRecord> = {
  id: 'read-skew',
  title: 'Read skew / non-repeatable read',
  question: 'Does T1, reading alice then bob while T2 transfers 100, see a total other than 1000, or alice change?',
  levels: LEVELS,
  setup: ACCOUNTS,
  async run({ T1, T2 }, level) {
    await T1.begin(level);
    const t1Alice = await T1.value<number>(`SELECT balance FROM accounts WHERE name = 'alice'`);
    await T2.begin(level);
    await T2.run(`UPDATE accounts SET balance = balance - 100 WHERE name = 'alice'`);
    await T2.run(`UPDATE accounts SET balance = balance + 100 WHERE name = 'bob'`);
    await T2.commit();
    const t1Bob = await T1.value<number>(`SELECT balance FROM accounts WHERE name = 'bob'`);
    const t1AliceAgain = await T1.value<number>(`SELECT balance FROM accounts WHERE name = 'alice'`);
    await T1.commit();
    return { t1Alice, t1Bob, t1AliceAgain, t1Total: t1Alice + t1Bob };
  },
  verdict: (r) =>
    r.t1Total !== 1000 || r.t1AliceAgain !== r.t1Alice
      ? { anomaly: true, how: `T1 saw total ${r.t1Total}; alice read ${r.t1Alice} then ${r.t1AliceAgain}` }
      : {
          anomaly: false,
          how: `one snapshot for the whole transaction (total ${r.t1Total}, alice ${r.t1Alice} twice)`,
        },
};

export interface LostUpdateRecord {
  t1Read: number;
  t2Read: number;
  t2WaitedFor: string[];
  t2Write: string;
  incrementsCommitted: number;
  final: number;
}

/** Both read the counter, add 1 in the application and write it back. */
export const lostUpdate: Scenario<LostUpdateRecord> = {
  id: 'lost-update',
  title: 'Lost update',
  question: 'Two read-modify-write increments of a counter at 0: does one of them vanish?',
  levels: LEVELS,
  setup: `DROP TABLE IF EXISTS counter;
    CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL);
    INSERT INTO counter VALUES (1, 0);`,
  async run({ T1, T2, observer }, level) {
    await T1.begin(level);
    await T2.begin(level);
    const t1Read = await T1.value<number>('SELECT value FROM counter WHERE id = 1');
    const t2Read = await T2.value<number>('SELECT value FROM counter WHERE id = 1');
    await T1.run(`UPDATE counter SET value = ${t1Read + 1} WHERE id = 1`);
    const write = T2.start(`UPDATE counter SET value = ${t2Read + 1} WHERE id = 1`);
    const { waitingOn } = await write.blocked();
    let incrementsCommitted = (await T1.commit()).ok ? 1 : 0;
    const t2Write = said(await write.result);
    if (!failed(t2Write) && (await T2.commit()).ok) incrementsCommitted++;
    const final = (await observer.query<{ value: number }>('SELECT value FROM counter WHERE id = 1')).rows[0]!.value;
    return { t1Read, t2Read, t2WaitedFor: waitingOn, t2Write, incrementsCommitted, final };
  },
  verdict: (r) =>
    r.final < r.incrementsCommitted
      ? { anomaly: true, how: `${r.incrementsCommitted} increments committed, counter = ${r.final}` }
      : { anomaly: false, how: `T2 blocked on T1's row lock, then ${code(r.t2Write)} when T1 committed` },
};

export interface WriteSkewRecord {
  t1Saw: number;
  t2Saw: number;
  t1Update: string;
  t2Update: string;
  t1Commit: string;
  t2Commit: string;
  onCallAfter: number;
}

/** Alice and Bob are on call; each checks that someone else is, then goes off call. */
export const writeSkew: Scenario<WriteSkewRecord> = {
  id: 'write-skew',
  title: 'Write skew (on-call doctors)',
  question: 'Alice and Bob each see 2 doctors on call and go off call (different rows): are 0 left?',
  levels: LEVELS,
  setup: `DROP TABLE IF EXISTS doctors;
    CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL);
    INSERT INTO doctors VALUES ('alice', true), ('bob', true);`,
  async run({ T1, T2, observer }, level) {
    await T1.begin(level);
    await T2.begin(level);
    const t1Saw = await T1.value<number>('SELECT count(*)::int FROM doctors WHERE on_call');
    const t2Saw = await T2.value<number>('SELECT count(*)::int FROM doctors WHERE on_call');
    const t1Update = said(await T1.run(`UPDATE doctors SET on_call = false WHERE name = 'alice'`));
    const t2Update = said(await T2.run(`UPDATE doctors SET on_call = false WHERE name = 'bob'`));
    const t1Commit = said(await T1.commit());
    const t2Commit = failed(t2Update) ? 'not reached' : said(await T2.commit());
    const onCallAfter = (await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM doctors WHERE on_call'))
      .rows[0]!.n;
    return { t1Saw, t2Saw, t1Update, t2Update, t1Commit, t2Commit, onCallAfter };
  },
  verdict: (r) => {
    if (r.onCallAfter === 0) return { anomaly: true, how: 'both committed: 0 doctors on call' };
    const where = failed(r.t2Update) ? 'UPDATE' : 'COMMIT';
    return {
      anomaly: false,
      how: `T2's ${where} failed with ${code(failed(r.t2Update) ? r.t2Update : r.t2Commit)} (no lock wait)`,
    };
  },
};

export interface PhantomRecord {
  firstCount: number;
  secondCount: number;
}

/** T1 counts room A's bookings between 9 and 17 twice; T2 inserts one in between. */
export const phantom: Scenario<PhantomRecord> = {
  id: 'phantom',
  title: 'Phantom read',
  question: "Does T1's range count (room A, 9-17) change when T2 inserts a booking inside the range?",
  levels: LEVELS,
  setup: BOOKINGS,
  async run({ T1, T2 }, level) {
    const count = `SELECT count(*)::int FROM bookings WHERE room = 'A' AND starts < 17 AND ends > 9`;
    await T1.begin(level);
    const firstCount = await T1.value<number>(count);
    await T2.begin(level);
    await T2.run(`INSERT INTO bookings VALUES ('A', 13, 14)`);
    await T2.commit();
    const secondCount = await T1.value<number>(count);
    await T1.commit();
    return { firstCount, secondCount };
  },
  verdict: (r) =>
    r.secondCount !== r.firstCount
      ? { anomaly: true, how: `count went ${r.firstCount} → ${r.secondCount} inside one transaction` }
      : { anomaly: false, how: `snapshot: count stayed ${r.firstCount}` },
};

export interface DoubleBookingRecord {
  t1Saw: number;
  t2Saw: number;
  t2Insert: string;
  t1Commit: string;
  t2Commit: string;
  overlapping: number;
}

/** Each checks "no booking overlaps mine" and inserts: a write skew on a predicate, not on a row. */
export const doubleBooking: Scenario<DoubleBookingRecord> = {
  id: 'double-booking',
  title: 'Predicate write skew (double booking)',
  question: 'T1 books room A 12-13 and T2 books 12-14, each after checking no booking overlaps: both saved?',
  levels: LEVELS,
  setup: BOOKINGS,
  async run({ T1, T2, observer }, level) {
    await T1.begin(level);
    await T2.begin(level);
    const t1Saw = await T1.value<number>(
      `SELECT count(*)::int FROM bookings WHERE room = 'A' AND starts < 13 AND ends > 12`,
    );
    const t2Saw = await T2.value<number>(
      `SELECT count(*)::int FROM bookings WHERE room = 'A' AND starts < 14 AND ends > 12`,
    );
    await T1.run(`INSERT INTO bookings VALUES ('A', 12, 13)`);
    const t2Insert = said(await T2.run(`INSERT INTO bookings VALUES ('A', 12, 14)`));
    const t1Commit = said(await T1.commit());
    const t2Commit = failed(t2Insert) ? 'not reached' : said(await T2.commit());
    const q = `SELECT count(*)::int AS n FROM bookings WHERE room = 'A' AND starts < 14 AND ends > 12`;
    const overlapping = (await observer.query<{ n: number }>(q)).rows[0]!.n;
    return { t1Saw, t2Saw, t2Insert, t1Commit, t2Commit, overlapping };
  },
  verdict: (r) => {
    if (r.overlapping > 1) return { anomaly: true, how: `both committed: ${r.overlapping} overlapping bookings` };
    const where = failed(r.t2Insert) ? 'INSERT' : 'COMMIT';
    return { anomaly: false, how: `T2's ${where} failed with ${code(failed(r.t2Insert) ? r.t2Insert : r.t2Commit)}` };
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of scenarios with different record types
export const SCENARIOS: ReadonlyArray<Scenario<any>> = [
  dirtyWrite,
  dirtyRead,
  readSkew,
  lostUpdate,
  writeSkew,
  phantom,
  doubleBooking,
];

/** Resets the scenario's table, runs it at `level`, and leaves both sessions outside any transaction. */
export async function runScenario<R>(s: Sessions, scenario: Scenario<R>, level: string): Promise<R> {
  await s.observer.query(scenario.setup);
  s.clearTranscript();
  try {
    return await scenario.run(s, level);
  } finally {
    await s.T1.rollback();
    await s.T2.rollback();
  }
}
