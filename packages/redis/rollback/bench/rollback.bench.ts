// pnpm --filter poc-redis-rollback bench: what the undo log costs. The POC's own claim (the roadmap gives
// #13 no figure): the same three steps of a trip, run as the logged saga (begin, each step with its
// undo-log entry in one script, finish) and as the naive unlogged saga (the same step scripts without the
// log), side by side in one process, on the same connections, from fresh keys on both sides:
//   1. booked: every step succeeds;
//   2. compensated: the last step fails (its booking reference is taken), the first two are undone.
// The unlogged saga is the baseline of each ratio: logged ops/s ÷ unlogged ops/s. Facts: script calls per
// trip on each side, counted on the client, and the memory a finished log holds until it expires.
// Benches run one at a time: this one waits for any bench of the repo already running.
import { benchReport, compareLoad, redisClient, serverFor, uniqueName } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { saga, sagaKeys, type Saga } from '../src/index.ts';
import { naiveSaga } from '../src/naive.ts';
import { tripSteps, type Trip } from '../src/trip.ts';

const CONCURRENCY = 16;
const DURATION_MS = 1_000;
const ROUNDS = 9; // the 95% interval of the median ratio is then the 2nd to the 8th of the 9 per-round ratios
const WARMUP_MS = 500;
const LEASE_MS = 30_000;
const RETAIN_MS = 5_000; // finished logs expire soon, so the server's memory stays flat over the run
const PRICE = 1;
const BALANCE = 1_000_000_000_000;
const TAKEN = 'taken'; // the booking reference every trip of the "compensated" comparison collides with

type Variant = 'unlogged' | 'logged';

/** A client that counts the script calls made through it. */
function counting(redis: Redis): { client: Redis; calls: () => number } {
  let calls = 0;
  const client = new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property !== 'evalsha' && property !== 'eval') || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'evalsha') calls++; // a NOSCRIPT fallback's EVAL is the same call, not another
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { client, calls: () => calls };
}

runMain(async () => {
  const server = await serverFor('redis');
  const prefix = `${uniqueName('rollbackbench')}:`;
  const clients = Array.from({ length: CONCURRENCY }, () => redisClient(server.url, { keyPrefix: prefix }));
  const admin = clients[0]!;
  try {
    const persistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await admin.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');
    const report = benchReport({
      parameters: {
        claim: "the POC's own (the roadmap gives #13 no figure): the cost of writing an undo log",
        concurrency: CONCURRENCY,
        durationMsPerRound: `${DURATION_MS} per variant, after ${WARMUP_MS} ms of warm-up each`,
        rounds: ROUNDS,
        connections: `${CONCURRENCY} (one per concurrent caller, shared by both variants)`,
        steps: 'reserve-seat (SET NX), debit-wallet (check + DECRBY), record-booking (EXISTS + HSET), one script each',
        freshState: 'every trip a new seat and saga id; one wallet per caller, never short of funds',
        leaseMs: LEASE_MS,
        retainMs: `${RETAIN_MS} (how long a finished log is kept)`,
        redisPersistence: `${persistence} (the shared server: no persistence)`,
      },
      services: ['redis'],
    });

    const sagas = (variant: Variant, name: string): Array<Saga<Trip>> =>
      clients.map((c) =>
        (variant === 'logged' ? saga : naiveSaga)(c, {
          name,
          steps: tripSteps,
          leaseMs: LEASE_MS,
          retainMs: RETAIN_MS,
        }),
      );
    for (let w = 0; w < CONCURRENCY; w++) await clients[w]!.set(`wallet:w${w}`, BALANCE);
    await admin.hset(`booking:${TAKEN}`, 'saga', 'someone-else');
    let sequence = 0;
    const trip = (w: number, reference?: string): { id: string; trip: Trip } => {
      const n = (sequence++).toString(36);
      return {
        id: `t${n}`,
        trip: { user: `w${w}`, flight: 'B1', seat: n, price: PRICE, reference: reference ?? `r${n}` },
      };
    };

    // Both sides must work, and give the outcome each comparison expects, before they are timed.
    const expected: Array<[string, 'completed' | 'compensated', string | undefined]> = [
      ['booked', 'completed', undefined],
      ['compensated', 'compensated', TAKEN],
    ];
    const calls: Record<string, number> = {};
    for (const [id, status, reference] of expected)
      for (const variant of ['unlogged', 'logged'] as const) {
        const { client, calls: count } = counting(admin);
        const one = (variant === 'logged' ? saga : naiveSaga)(client, { name: `check-${id}`, steps: tripSteps });
        const t = trip(0, reference);
        const outcome = await one.run(t.id, t.trip);
        if (outcome.status !== status) throw new Error(`${variant} ${id}: expected ${status}, got ${outcome.status}`);
        calls[`${id}-${variant}`] = count();
      }
    const finished = trip(0);
    await saga(admin, { name: 'sized', steps: tripSteps }).run(finished.id, finished.trip);
    const logBytes = Number(
      await admin.call('MEMORY', 'USAGE', `${prefix}${sagaKeys('sized', finished.id).log}`, 'SAMPLES', '0'),
    );

    for (const [id, , reference] of expected) {
      const bySide = { unlogged: sagas('unlogged', id), logged: sagas('logged', id) };
      const run = (variant: Variant) => async (w: number) => {
        const t = trip(w, reference);
        await bySide[variant][w]!.run(t.id, t.trip);
      };
      report.add(
        await compareLoad({
          id,
          title:
            id === 'booked'
              ? `A trip booked in three steps, ${CONCURRENCY} concurrent callers`
              : `A trip whose last step fails, two steps compensated, ${CONCURRENCY} concurrent callers`,
          variants: { unlogged: run('unlogged'), logged: run('logged') },
          baseline: 'unlogged',
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
          rounds: ROUNDS,
        }),
      );
    }

    for (const [id] of expected)
      for (const variant of ['unlogged', 'logged'] as const)
        report.add({
          id: `calls-${id}-${variant}`,
          title: `Script calls per trip, ${id}, ${variant}`,
          value: calls[`${id}-${variant}`]!,
          unit: 'calls',
        });
    report.add({ id: 'log-bytes', title: 'Memory of one finished log (MEMORY USAGE)', value: logBytes, unit: 'bytes' });
    await report.finish(
      "The POC's own claim (no roadmap figure for #13): writing each step's undo-log entry in the same script " +
        'costs throughput. Logged ÷ unlogged saga = {ratio:booked/logged} for a booked trip ' +
        '({fact:calls-booked-logged} against {fact:calls-booked-unlogged}), and {ratio:compensated/logged} when ' +
        'the last step fails and two steps are compensated ({fact:calls-compensated-logged} against ' +
        '{fact:calls-compensated-unlogged}); a finished log holds {fact:log-bytes} until it expires.',
    );
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      // keyPrefix is not applied to SCAN patterns but is to UNLINK: strip it before deleting.
      if (keys.length > 0) await admin.unlink(...keys.map((k) => k.slice(prefix.length)));
      cursor = next;
    } while (cursor !== '0');
    for (const c of clients) c.disconnect();
  }
});
