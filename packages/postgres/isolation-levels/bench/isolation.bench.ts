// Throughput and retry rate of one workload at each isolation level, side by side, under heavy
// contention (2 hot shifts) and light contention (64 shifts), and beside it whether the rule held.
//
// Workload: an on-call rota of shifts with two doctors each. Each transaction reads a random shift
// and keeps it staffed: with two on call, one goes off; with one on call, the other comes back. Those
// two are the useful work. Run one at a time, these transactions can never leave a shift empty. A
// transaction that nevertheless finds 0 on call is evidence of a write skew earlier: it is counted,
// and it restaffs the shift so the workload goes on; that repair is not useful work.
//
// Same work on every side: each sample runs until CONCURRENCY callers have committed USEFUL useful
// transactions (off or on), from a freshly staffed rota, and the rate is useful transactions per
// second. Repairs, retries and transactions that exhausted their attempts cost time but are not
// counted as work (an earlier version counted every commit, repairs included, so read committed was
// credited for cleaning up after its own anomalies). A transaction that gave up counts as an error.
// Rounds are interleaved and rotated by the harness (compareRounds); every variant gets one untimed
// warm-up sample per shift count.
import { postgresDatabase } from '@poc/harness/services';
import {
  benchProfile,
  benchReport,
  compareRounds,
  latencySummary,
  type Comparison,
  type RoundSample,
} from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import { transactionRunner, type IsolationLevel } from '../src/index.ts';
import { DOCTORS, createRota, staffShifts, warmPool } from '../src/lab/doctors.ts';

const SHORT = benchProfile() === 'short';
const CONCURRENCY = 8;
const SHIFT_COUNTS = [2, 64] as const;
const USEFUL = SHORT ? 300 : 5_000; // useful transactions per sample
const WARMUP_USEFUL = SHORT ? 100 : 1_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const MAX_ATTEMPTS = 10;
const SAMPLE_TIMEOUT_MS = 120_000;

const VARIANTS: Array<[name: string, isolation: IsolationLevel]> = [
  ['read committed', 'read committed'],
  ['repeatable read + retry', 'repeatable read'],
  ['serializable + retry', 'serializable'],
];

async function keepStaffed(tx: pg.PoolClient, shift: number): Promise<'off' | 'on' | 'found empty'> {
  const { rows } = await tx.query<{ doctor: string; on_call: boolean }>(
    'SELECT doctor, on_call FROM rota WHERE shift = $1',
    [shift],
  );
  const on = rows.filter((r) => r.on_call);
  if (on.length === 0) {
    await tx.query('UPDATE rota SET on_call = true WHERE shift = $1', [shift]);
    return 'found empty';
  }
  if (on.length === 1) {
    await tx.query('UPDATE rota SET on_call = true WHERE shift = $1 AND NOT on_call', [shift]);
    return 'on';
  }
  const leaving = on[Math.floor(Math.random() * on.length)]!.doctor;
  await tx.query('UPDATE rota SET on_call = false WHERE shift = $1 AND doctor = $2', [shift, leaving]);
  return 'off';
}

interface Tally {
  useful: number;
  foundEmpty: number;
  retries: number;
  gaveUp: number;
  /** ms from the first attempt to the commit, of each useful transaction (retries and backoff included). */
  latencies: number[];
}
const newTally = (): Tally => ({ useful: 0, foundEmpty: 0, retries: 0, gaveUp: 0, latencies: [] });

async function compareAt(
  pool: pg.Pool,
  shifts: number,
): Promise<{ comparison: Comparison; tallies: Map<string, Tally> }> {
  const all = Array.from({ length: shifts }, (_, i) => i + 1);
  const tallies = new Map<string, Tally>(VARIANTS.map(([name]) => [name, newTally()]));

  /** One sample: a fresh rota, then CONCURRENCY callers until `useful` useful transactions committed. */
  const sample = (isolation: IsolationLevel, useful: number, tally: Tally) => async (): Promise<RoundSample> => {
    await staffShifts(pool, all);
    const mine = newTally();
    const runner = transactionRunner(pool, {
      isolation,
      maxAttempts: MAX_ATTEMPTS,
      onRetry: () => void mine.retries++,
    });
    const t0 = performance.now();
    const deadline = t0 + SAMPLE_TIMEOUT_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (mine.useful < useful) {
          if (performance.now() > deadline)
            throw new Error(
              `${isolation} on ${shifts} shifts: ${mine.useful} of ${useful} useful transactions after ${SAMPLE_TIMEOUT_MS} ms`,
            );
          const shift = 1 + Math.floor(Math.random() * shifts);
          const s = performance.now();
          try {
            const outcome = await runner.run((tx) => keepStaffed(tx, shift));
            if (outcome === 'found empty') mine.foundEmpty++;
            else {
              mine.useful++;
              mine.latencies.push(performance.now() - s);
            }
          } catch {
            mine.gaveUp++; // every attempt ended in 40001/40P01 (or another error): not useful work
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1_000;
    tally.useful += mine.useful;
    tally.foundEmpty += mine.foundEmpty;
    tally.retries += mine.retries;
    tally.gaveUp += mine.gaveUp;
    tally.latencies.push(...mine.latencies);
    return { ops: mine.useful, seconds, errors: mine.gaveUp };
  };

  for (const [, isolation] of VARIANTS) await sample(isolation, WARMUP_USEFUL, newTally())(); // warm-up, untimed
  const comparison = await compareRounds({
    id: `rota-${shifts}`,
    title: `Keep-the-rota-staffed transactions on ${shifts} shifts of ${DOCTORS.length} doctors: useful transactions/s, ${USEFUL} per sample`,
    kind: 'load',
    concurrency: CONCURRENCY,
    variants: Object.fromEntries(
      VARIANTS.map(([name, isolation]) => [name, sample(isolation, USEFUL, tallies.get(name)!)]),
    ),
    rounds: ROUNDS,
    unit: 'useful tx/s',
  });
  // compareRounds keeps rates and errors; the latencies of the useful transactions are recorded here.
  for (const v of comparison.variants) v.latencyMs = latencySummary(tallies.get(v.name)!.latencies);
  return { comparison, tallies };
}

const slug = (name: string): string => name.replace(/[^a-z]+/g, '-').replace(/-$/, '');

runMain(async () => {
  const db = await postgresDatabase({ name: 'bench' });
  const pool = db.pool({ max: CONCURRENCY });
  try {
    await createRota(pool);
    await warmPool(pool, CONCURRENCY);
    const setting = async (name: string): Promise<string> =>
      (await pool.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        shifts: SHIFT_COUNTS.join(' and '),
        doctorsPerShift: DOCTORS.length,
        usefulPerSample: USEFUL,
        warmupUsefulPerVariant: WARMUP_USEFUL,
        rounds: ROUNDS,
        maxAttempts: MAX_ATTEMPTS,
        backoff: 'full jitter, base 2 ms, cap 100 ms',
        timed:
          'fresh rota -> USEFUL useful (off/on) transactions committed; repairs, retries and give-ups not counted as work',
        durability: `fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}, full_page_writes=${await setting('full_page_writes')}`,
      },
      services: ['postgres'],
    });
    for (const shifts of SHIFT_COUNTS) {
      const { comparison, tallies } = await compareAt(pool, shifts);
      report.add(comparison);
      for (const [name] of VARIANTS) {
        const t = tallies.get(name)!;
        const id = `${shifts}-${slug(name)}`;
        const label = `${shifts} shifts, ${name}`;
        // One row per variant, in the order of the table above: whether the rule held, and what it cost.
        const empty = Math.round((t.foundEmpty / Math.max(1, t.useful)) * 10_000) / 10;
        const retries = Math.round((t.retries / Math.max(1, t.useful)) * 1_000) / 10;
        report.add({
          id,
          title: `${label}: rule (>= 1 doctor on call); shifts found empty; retries; gave up after ${MAX_ATTEMPTS} attempts`,
          value:
            `rule ${t.foundEmpty === 0 ? 'held' : 'broken'}: ${empty} shifts found empty per 1,000 useful, ` +
            `${retries} retries per 100, ${t.gaveUp} gave up`,
        });
      }
    }
    await report.finish(
      'Same useful work, {param:concurrency} callers, 2 hot shifts. Serializable + retry vs read committed: ' +
        '{ratio:rota-2/serializable + retry}; {fact:2-serializable-retry}. Repeatable read + retry: ' +
        '{ratio:rota-2/repeatable read + retry}; {fact:2-repeatable-read-retry}. Read committed: {fact:2-read-committed}. ' +
        '64 shifts, serializable + retry: {ratio:rota-64/serializable + retry}; {fact:64-serializable-retry}. ' +
        'Read committed: {fact:64-read-committed}.',
    );
  } finally {
    await db.close();
  }
});
