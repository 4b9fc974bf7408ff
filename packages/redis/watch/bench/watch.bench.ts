// pnpm --filter poc-redis-watch bench: the roadmap's claim for #12, "conflicts/retries vs throughput".
// One hot key, W concurrent writers (W = 1, 4, 16, 64), each adding 1 to it in a loop, two ways side by
// side in interleaved rounds in one process:
//   WATCH  checkAndSet().modify(key, v => v + 1) with its default retry settings and a pool of W
//          connections (one per writer): WATCH, GET, MULTI/SET/EXEC, retried with back-off on conflict;
//   Lua    scriptedAdd(): the same read-modify-write in one script run, W clients (one per writer).
// Equal connections, the same warm-up, the key reset before each variant's run. An operation ends when
// the update is committed (its EXEC or EVALSHA answered). For WATCH the bench also counts conflicts (EXECs
// refused because the key changed), attempts per committed update and updates that ran out of attempts.
// First, the correctness facts: 50 writers x 20 increments through GET/SET, WATCH on one shared client,
// checkAndSet and Lua, and how many increments each lost.
// Writes bench/results.json; the README's "Measured" section is rendered from it.
import { benchReport, compareLoad, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { checkAndSet, checkAndSetDefaults, isWatchError, scriptedAdd, type CheckAndSet } from '../src/index.ts';
import { naiveModify, sharedConnectionModify } from '../src/naive.ts';

const WRITERS = [1, 4, 16, 64];
const DURATION_MS = 1_000;
const ROUNDS = 5;
const LOST_WRITERS = 50;
const LOST_EACH = 20;
const HOT = 'hot';

const plusOne = (value: string | null): string => String(Number(value ?? 0) + 1);

runMain(async () => {
  const ns = await redisNamespace({ name: 'watch_bench' }); // a key prefix of its own
  const pools: CheckAndSet[] = [];
  try {
    const admin = ns.client();
    const persistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await admin.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');
    const { maxAttempts, baseDelayMs, maxDelayMs } = checkAndSetDefaults;
    const report = benchReport({
      parameters: {
        writers: WRITERS.join(', '),
        update: 'add 1 to one hot string key: read it, compute in the client (WATCH) or in Lua, write it',
        connections: 'W per variant: WATCH a pool of W (connections: W), Lua W clients',
        watchRetry: `checkAndSet defaults: maxAttempts ${maxAttempts}, back-off random in [0, min(${maxDelayMs}, ${baseDelayMs} x 2^(n-1))] ms (full jitter)`,
        durationMsPerVariantPerRound: DURATION_MS,
        rounds: ROUNDS,
        freshState: 'hot key deleted before each variant run',
        lostUpdateRun: `${LOST_WRITERS} writers x ${LOST_EACH} increments each, one variant at a time`,
        lostUpdateWriters: LOST_WRITERS,
        lostUpdateIncrements: LOST_WRITERS * LOST_EACH,
        redisPersistence: `${persistence} (the shared server runs without persistence)`,
      },
      services: ['redis'],
    });

    // --- correctness: lost increments under 50 writers --------------------------------------------
    const shared = ns.client();
    const writers = Array.from({ length: LOST_WRITERS }, () => ns.client());
    const cas50 = checkAndSet(ns.client(), { connections: LOST_WRITERS, maxAttempts: 1_000 });
    pools.push(cas50);
    const lostRuns: Array<[string, string, (w: number, key: string) => Promise<unknown>]> = [
      ['lost-naive', 'GET then SET, one shared client', (_, key) => naiveModify(shared, key, plusOne)],
      ['lost-shared', 'WATCH on one shared client', (_, key) => sharedConnectionModify(shared, key, plusOne)],
      ['lost-watch', `checkAndSet, ${LOST_WRITERS} connections`, (_, key) => cas50.modify(key, plusOne)],
      ['lost-lua', `Lua, ${LOST_WRITERS} clients`, (w, key) => scriptedAdd(writers[w]!, key, 1)],
    ];
    for (const [id, title, add] of lostRuns) {
      await Promise.all(
        Array.from({ length: LOST_WRITERS }, async (_, w) => {
          for (let i = 0; i < LOST_EACH; i++) await add(w, id);
        }),
      );
      const lost = LOST_WRITERS * LOST_EACH - Number(await admin.get(id));
      process.stderr.write(`  ${title}: ${lost} of ${LOST_WRITERS * LOST_EACH} increments lost\n`);
      report.add({ id, title: `Lost increments of ${LOST_WRITERS * LOST_EACH}: ${title}`, value: lost });
    }

    // --- conflicts and throughput vs writers ----------------------------------------------------------
    for (const w of WRITERS) {
      let commits = 0;
      let conflicts = 0;
      let exhausted = 0;
      const cas = checkAndSet(ns.client(), { connections: w, onConflict: () => conflicts++ });
      pools.push(cas);
      const luaClients: Redis[] = Array.from({ length: w }, () => ns.client());
      // Open every connection and load the script before anything is timed.
      await Promise.all(Array.from({ length: w }, () => cas.modify('warm', plusOne)));
      await Promise.all(luaClients.map((c) => scriptedAdd(c, 'warm', 1)));
      commits = conflicts = 0;

      report.add(
        await compareLoad({
          id: `w${w}`,
          title: `${w} writer${w === 1 ? '' : 's'} on one hot key`,
          variants: {
            WATCH: async () => {
              try {
                await cas.modify(HOT, plusOne);
                commits++;
              } catch (e) {
                if (isWatchError(e, 'exhausted')) {
                  exhausted++;
                  conflicts++; // its last EXEC was refused too (onConflict runs only before a retry)
                }
                throw e;
              }
            },
            Lua: (worker) => scriptedAdd(luaClients[worker]!, HOT, 1),
          },
          concurrency: w,
          durationMs: DURATION_MS,
          rounds: ROUNDS,
          beforeEach: async () => void (await admin.del(HOT)),
        }),
      );
      const round = (x: number): number => Math.round(x * 100) / 100;
      report.add({
        id: `attempts-per-commit-w${w}`,
        title: `WATCH, ${w} writer(s): attempts per committed update`,
        value: round((commits + conflicts) / commits),
      });
      report.add({
        id: `conflicts-per-commit-w${w}`,
        title: `WATCH, ${w} writer(s): conflicts (EXEC refused) per committed update`,
        value: round(conflicts / commits),
      });
      report.add({
        id: `exhausted-w${w}`,
        title: `WATCH, ${w} writer(s): updates that gave up after ${maxAttempts} attempts (of ${commits + exhausted}, warm-up included)`,
        value: exhausted,
      });
    }

    await report.finish(
      'Roadmap claim "conflicts/retries vs throughput", one hot key: WATCH needs {fact:attempts-per-commit-w1}, {fact:attempts-per-commit-w4}, ' +
        '{fact:attempts-per-commit-w16} and {fact:attempts-per-commit-w64} attempts per committed update at 1, 4, 16 and 64 writers ' +
        '({fact:exhausted-w64} updates gave up at 64), and Lua ÷ WATCH throughput is {ratio:w1/Lua}, {ratio:w4/Lua}, {ratio:w16/Lua} and {ratio:w64/Lua}. ' +
        'Under {param:lostUpdateIncrements} increments from {param:lostUpdateWriters} writers, GET/SET lost {fact:lost-naive}, WATCH on a shared client {fact:lost-shared}, checkAndSet {fact:lost-watch}.',
    );
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await ns.close();
  }
});
