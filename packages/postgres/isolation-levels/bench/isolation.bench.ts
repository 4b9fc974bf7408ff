// Throughput and retry rate of one workload at each isolation level, side by side, under heavy
// contention (2 hot shifts) and light contention (64 shifts).
//
// Workload: an on-call rota of shifts with two doctors each. Each operation is one transaction that
// reads a random shift and keeps it staffed: with two on call, one goes off; with one on call, the
// other comes back. Run one at a time, these transactions can never leave a shift empty. A
// transaction that nevertheless finds 0 on call is evidence of a write skew earlier: it is counted,
// and it restaffs the shift so the workload goes on.
import { postgresDatabase } from '@poc/harness/services';
import { benchReport, compareLoad } from '@poc/harness/bench';
import type { Comparison } from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import { transactionRunner, type IsolationLevel } from '../src/index.ts';
import { DOCTORS, createRota, staffShifts, warmPool } from '../src/lab/doctors.ts';

const CONCURRENCY = 8;
const SHIFT_COUNTS = [2, 64] as const;
const DURATION_MS = 1_500;
const ROUNDS = 5;
const WARMUP_MS = 400;
const MAX_ATTEMPTS = 10;

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
  committed: number;
  retries: number;
  foundEmpty: number;
  gaveUp: number;
}

async function compareAt(
  pool: pg.Pool,
  shifts: number,
): Promise<{ comparison: Comparison; tallies: Map<string, Tally> }> {
  const all = Array.from({ length: shifts }, (_, i) => i + 1);
  const tallies = new Map<string, Tally>(
    VARIANTS.map(([name]) => [name, { committed: 0, retries: 0, foundEmpty: 0, gaveUp: 0 }]),
  );
  let counting = false; // compareLoad's warm-up runs every variant once before the timed rounds: not counted
  const operation = (name: string, isolation: IsolationLevel): (() => Promise<void>) => {
    const tally = tallies.get(name)!;
    const runner = transactionRunner(pool, {
      isolation,
      maxAttempts: MAX_ATTEMPTS,
      onRetry: () => void (counting && tally.retries++),
    });
    return async () => {
      const shift = 1 + Math.floor(Math.random() * shifts);
      try {
        const outcome = await runner.run((tx) => keepStaffed(tx, shift));
        if (counting) {
          tally.committed++;
          if (outcome === 'found empty') tally.foundEmpty++;
        }
      } catch (e) {
        if (counting) tally.gaveUp++;
        throw e; // compareLoad counts it as an error
      }
    };
  };
  let resets = 0;
  const comparison = await compareLoad({
    id: `rota-${shifts}`,
    title: `Keep-the-rota-staffed transactions on ${shifts} shifts of ${DOCTORS.length} doctors`,
    variants: Object.fromEntries(VARIANTS.map(([name, isolation]) => [name, operation(name, isolation)])),
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    rounds: ROUNDS,
    warmupMs: WARMUP_MS,
    async beforeEach() {
      // Called once per variant for the warm-up, then once per variant per round.
      counting = ++resets > VARIANTS.length;
      await staffShifts(pool, all);
    },
  });
  return { comparison, tallies };
}

const per100 = (t: Tally): number => Math.round((t.retries / Math.max(1, t.committed)) * 1000) / 10;
const ratio = (c: Comparison, variant: string): string =>
  c.ratios.find((r) => r.variant === variant)!.median.toFixed(2);

runMain(async () => {
  const db = await postgresDatabase({ name: 'bench' });
  const pool = db.pool({ max: CONCURRENCY });
  try {
    await createRota(pool);
    await warmPool(pool, CONCURRENCY);
    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        shifts: SHIFT_COUNTS.join(' and '),
        doctorsPerShift: DOCTORS.length,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        warmupMs: WARMUP_MS,
        maxAttempts: MAX_ATTEMPTS,
        backoff: 'full jitter, base 2 ms, cap 100 ms',
      },
      services: ['postgres'],
    });
    const results = [];
    for (const shifts of SHIFT_COUNTS) {
      const { comparison, tallies } = await compareAt(pool, shifts);
      report.add(comparison);
      for (const [name] of VARIANTS) {
        const t = tallies.get(name)!;
        const id = `${shifts}-${name.replace(/[^a-z]+/g, '-')}`;
        const label = `${shifts} shifts, ${name}`;
        report.add({ id: `${id}-committed`, title: `${label}: committed transactions`, value: t.committed });
        report.add({ id: `${id}-retries`, title: `${label}: retries per 100 committed`, value: per100(t) });
        report.add({ id: `${id}-gave-up`, title: `${label}: failed all ${MAX_ATTEMPTS} attempts`, value: t.gaveUp });
        report.add({ id: `${id}-empty`, title: `${label}: found a shift with 0 on call`, value: t.foundEmpty });
        report.add({
          id: `${id}-invariant`,
          title: `${label}: always >= 1 doctor on call`,
          value: t.foundEmpty === 0 ? 'held' : 'broken',
        });
      }
      results.push({ shifts, comparison, tallies });
    }
    const [hot, spread] = results as [(typeof results)[number], (typeof results)[number]];
    const t = (r: typeof hot, name: string): Tally => r.tallies.get(name)!;
    await report.finish(
      `On ${hot.shifts} hot shifts with ${CONCURRENCY} callers, serializable + retry ran at ${ratio(hot.comparison, 'serializable + retry')}x ` +
        `read committed's throughput (repeatable read + retry ${ratio(hot.comparison, 'repeatable read + retry')}x) with ` +
        `${per100(t(hot, 'serializable + retry'))} retries per 100 commits and never left a shift empty, while read committed ` +
        `left one empty ${t(hot, 'read committed').foundEmpty} times and repeatable read ${t(hot, 'repeatable read + retry').foundEmpty} times; ` +
        `spread over ${spread.shifts} shifts serializable ran at ${ratio(spread.comparison, 'serializable + retry')}x with ` +
        `${per100(t(spread, 'serializable + retry'))} retries per 100 commits.`,
    );
  } finally {
    await db.close();
  }
});
