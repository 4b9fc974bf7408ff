// pnpm --filter poc-redis-lua-leaderboard bench: the POC's own claim (the roadmap gives this row none):
// one Lua script per update keeps the score, the player's history and the cached top N consistent, at a
// throughput no lower than the same update as MULTI or as round trips.
// 1. Consistency (facts, untimed): 8 writers and a reader snapshotting all the while; reads that disagreed.
// 2. Throughput under load: CONCURRENCY callers, one connection each (the same connections for every variant).
// 3. Throughput of one caller, one operation at a time: where the round trips' latency shows most.
// The script is the baseline of every ratio (MULTI ÷ script, round trips ÷ script), taken within each
// round (the rounds rotate the variants' order) with the sign-test interval of its median.
import { benchReport, compareLoad, compareThroughput, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { boardKeys, type Leaderboard } from '../src/index.ts';
import { freeRun, variants, type Variant } from '../src/race.ts';

const CONCURRENCY = 16;
const PLAYERS = 1_000;
const TOP_N = 10;
const HISTORY = 20;
const LOAD_ROUNDS = 6; // 6 rounds: the interval of the median ratio reaches 95% (2nd to 5th of the per-round ratios)
const LOAD_MS = 1_500;
const ONE_ROUNDS = 6;
const ONE_MS = 500;
const CHECK = { writers: 8, updates: 200, players: ['p0', 'p1', 'p2', 'p3'], topN: 2 };
const ORDER: Variant[] = ['script', 'multi', 'round trips'];

const player = (): string => `player:${Math.floor(Math.random() * PLAYERS)}`;
const delta = (): number => 1 + Math.floor(Math.random() * 10);

runMain(async () => {
  const ns = await redisNamespace({ name: 'lua_leaderboard_bench' }); // a key prefix of its own
  try {
    const clients: Redis[] = Array.from({ length: CONCURRENCY }, () => ns.client());
    const reader = ns.client();
    await Promise.all([...clients, reader].map((c) => c.ping())); // every connection open before anything is timed
    const persistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await reader.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        connections: `${CONCURRENCY} (one per caller, the same for every variant) + 1 reader`,
        players: PLAYERS,
        topN: TOP_N,
        historyLength: HISTORY,
        update: `ZINCRBY (random player of ${PLAYERS}, +1..10) + LPUSH/LTRIM history + ZREVRANGE top ${TOP_N} compared with the cache, rewritten when changed`,
        commandsPerUpdate: 'script: 1 EVALSHA; multi: 2 MULTI/EXEC (reads, writes); round trips: 5-6 commands',
        loadRounds: `${LOAD_ROUNDS} x ${LOAD_MS} ms per variant, after 500 ms of warm-up each; board emptied before each`,
        oneCallerRounds: `${ONE_ROUNDS} x ${ONE_MS} ms per variant, one connection`,
        consistencyRun: `${CHECK.writers} writers x ${CHECK.updates} updates on ${CHECK.players.length} players, top ${CHECK.topN}, one reader snapshotting back to back (one MULTI: cache, top, scores, newest history entries)`,
        redisPersistence: `${persistence} (the shared server: nothing durable)`,
      },
      services: ['redis'],
    });

    // 1. Consistency: the same free-running load for each variant, the reader counting what disagreed.
    for (const variant of ORDER) {
      const id = variant.replace(' ', '-');
      const run = await freeRun(variant, clients.slice(0, CHECK.writers), reader, {
        name: `check-${id}`,
        updates: CHECK.updates,
        players: CHECK.players,
        topN: CHECK.topN,
      });
      process.stderr.write(
        `  consistency ${variant}: ${run.torn} of ${run.reads} reads disagreed; final ${run.final.length}\n`,
      );
      report.add({ id: `torn-${id}`, title: `Reads that disagreed, ${variant} (of ${run.reads})`, value: run.torn });
      report.add({
        id: `torn-share-${id}`,
        title: `Reads that disagreed, ${variant}, share`,
        value: run.reads === 0 ? 0 : Math.round((1_000 * run.torn) / run.reads) / 10,
        unit: '%',
      });
      report.add({
        id: `final-${id}`,
        title: `Disagreements left once every writer was done, ${variant}`,
        value: run.final.length,
      });
      report.add({
        id: `lost-points-${id}`,
        title: `Points lost, ${variant} (of ${run.sent})`,
        value: run.sent - run.points,
      });
    }

    const boards = Object.fromEntries(
      ORDER.map((v) => [
        v,
        clients.map((c) =>
          variants[v](c, { name: `load-${v.replace(' ', '-')}`, topN: TOP_N, historyLength: HISTORY }),
        ),
      ]),
    ) as Record<Variant, Leaderboard[]>;
    const empty = async (variant: Variant): Promise<void> => {
      const keys = boardKeys(boards[variant][0]!.name);
      const all = [keys.scores, keys.top, ...Array.from({ length: PLAYERS }, (_, i) => keys.history(`player:${i}`))];
      for (let i = 0; i < all.length; i += 500) await reader.unlink(...all.slice(i, i + 500));
    };
    for (const v of ORDER) await boards[v][0]!.addScore(player(), delta()); // both sides work (and the script is loaded) before timing

    // 2. Under load.
    report.add(
      await compareLoad({
        id: 'load',
        title: `One update (score + history + top ${TOP_N} cache), ${CONCURRENCY} concurrent callers`,
        variants: Object.fromEntries(ORDER.map((v) => [v, (w: number) => boards[v][w]!.addScore(player(), delta())])),
        concurrency: CONCURRENCY,
        durationMs: LOAD_MS,
        rounds: LOAD_ROUNDS,
        beforeEach: (variant) => empty(variant as Variant),
      }),
    );

    // 3. One caller.
    for (const v of ORDER) await empty(v);
    report.add(
      await compareThroughput({
        id: 'one-caller',
        title: `One update (score + history + top ${TOP_N} cache), one caller`,
        variants: Object.fromEntries(ORDER.map((v) => [v, () => boards[v][0]!.addScore(player(), delta())])),
        rounds: ONE_ROUNDS,
        timeMs: ONE_MS,
      }),
    );

    await report.finish(
      'Own claim (the roadmap has none for this row): one script per update keeps score, history and cached top consistent — ' +
        'reads that disagreed under concurrent writers: script {fact:torn-script}, MULTI {fact:torn-multi}, round trips {fact:torn-round-trips}. ' +
        'Throughput with {param:concurrency} callers, MULTI ÷ script = {ratio:load/multi}, round trips ÷ script = {ratio:load/round trips}; ' +
        'one caller: MULTI ÷ script = {ratio:one-caller/multi}, round trips ÷ script = {ratio:one-caller/round trips}.',
    );
  } finally {
    await ns.close();
  }
});
