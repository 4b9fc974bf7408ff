// pnpm --filter poc-redis-lua-performance bench: the roadmap's claim for #20, "throughput ratios; share of
// redis-benchmark's limit", measured in one run against one server:
//   A. the same N-step operation (N INCRBYs and a GET on one counter per caller) sent four ways — one Lua
//      script, MULTI/EXEC, a pipeline, N + 1 round trips (the baseline) — at N = 1, 10 and 100, with the
//      same callers and one connection per way, in interleaved rounds; ratio = ops/s ÷ round trips' ops/s;
//   B. the share of redis-benchmark's limit: the Redis commands per second (the N + 1 of each operation)
//      one Node process gets the server to run at N = 100, against what redis-benchmark (Debian's
//      redis-tools, C, -P pipelining) gets from the same server with INCRBY, in the same interleaved rounds.
// Before anything is timed, the four ways must give the same result at every N. Writes bench/results.json.
import { benchProfile, benchReport, compareLoad, compareRounds, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { luaSteps, multiSteps, pipelineSteps, type NStepOperation } from '../src/index.ts';
import { roundTripSteps } from '../src/naive.ts';
import { findRedisBenchmark, redisBenchmark } from './redis-benchmark.ts';

const NS = [1, 10, 100];
const CONCURRENCY = 16;
const DURATION_MS = 500;
const WARMUP_MS = 300;
const ROUNDS = 6;
const SHARE_N = 100;
const RB_CLIENTS = 16;
const RB_PIPELINE = 16;
const RB_KEYS = 16;
// compareLoad shortens itself in the short profile; the samples this bench times itself follow the same cap.
const SAMPLE_MS = benchProfile() === 'short' ? 100 : DURATION_MS;

/** `concurrency` callers applying `n` steps for `ms`: the Redis commands run (N + 1 per operation) and the time. */
async function commandsPerSecond(way: NStepOperation, n: number, ms: number, tag: string) {
  const amounts = Array<number>(n).fill(1);
  let ops = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (performance.now() < end) {
        await way.apply(`${tag}:${way.strategy}:${worker}`, amounts);
        ops++;
      }
    }),
  );
  return { ops: ops * (n + 1), seconds: (performance.now() - t0) / 1_000 };
}

runMain(async () => {
  const bin = findRedisBenchmark(); // first: without it there is no limit to compare with
  const ns = await redisNamespace({ name: 'lua_perf_bench' }); // a key prefix of its own
  try {
    const connection = (): Redis => ns.client();
    const ways: Record<string, NStepOperation> = {
      'round trips': roundTripSteps(connection()),
      Lua: luaSteps(connection()),
      'MULTI/EXEC': multiSteps(connection()),
      pipeline: pipelineSteps(connection()),
    };
    const admin = connection();
    const config = async (name: string): Promise<string> => ((await admin.config('GET', name)) as string[])[1] ?? '?';
    const [aof, save] = [await config('appendonly'), await config('save')];

    // The four ways must agree before any of them is timed.
    for (const n of NS) {
      const amounts = Array.from({ length: n }, (_, i) => (i % 7) - 3);
      const results = await Promise.all(
        Object.values(ways).map((way) => way.apply(`equal:${n}:${way.strategy}`, amounts)),
      );
      if (new Set(results.map((r) => JSON.stringify(r))).size !== 1)
        throw new Error(`the four ways gave different results at N = ${n}: ${JSON.stringify(results)}`);
    }

    const rbCommand = ['INCRBY', `${ns.prefix}rb:__rand_int__`, '1'];
    const rbRun = (requests: number) =>
      redisBenchmark({
        url: ns.url,
        clients: RB_CLIENTS,
        pipeline: RB_PIPELINE,
        requests,
        keyspace: RB_KEYS,
        command: rbCommand,
        bin,
      });
    // Calibrate: as many requests as it does in about one sample's time, so both sides are timed alike.
    const calibration = await rbRun(50_000);
    const rbRequests = Math.max(10_000, Math.round((calibration.rps * SAMPLE_MS) / 1_000));
    const rbName = `redis-benchmark -c ${RB_CLIENTS} -P ${RB_PIPELINE}`;

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        connections: 'one per way (4), shared by its callers; redis-benchmark: its own',
        operation: 'N x INCRBY on one counter per caller, then GET of it',
        durationMsPerVariantPerRound: DURATION_MS,
        warmupMsPerVariant: WARMUP_MS,
        rounds: ROUNDS,
        shareN: SHARE_N,
        shareUnit:
          'Redis commands run per second: the N + 1 of each operation (inside the script for Lua; MULTI and EXEC not counted)',
        redisBenchmark: `${bin} ${calibration.args.slice(0, calibration.args.indexOf('-n')).join(' ')} -n ${rbRequests} -r ${RB_KEYS} --csv ${rbCommand.join(' ')}`,
        redisDurability: `shared server: appendonly=${aof}, save="${save}"${aof === 'no' && save === '' ? ' (no persistence)' : ''}`,
      },
      services: ['redis'],
    });
    report.add({
      id: 'equal-results',
      title: 'Ways giving the same result at N = 1, 10 and 100 (checked before timing)',
      value: 4,
    });

    for (const n of NS) {
      const amounts = Array<number>(n).fill(1);
      report.add(
        await compareLoad({
          id: `n${n}`,
          title: `N = ${n}: ${n} INCRBY + GET per operation, ${CONCURRENCY} callers`,
          variants: Object.fromEntries(
            Object.entries(ways).map(([name, way]) => [
              name,
              (worker: number) => way.apply(`n${n}:${way.strategy}:${worker}`, amounts),
            ]),
          ),
          baseline: 'round trips',
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
          rounds: ROUNDS,
        }),
      );
    }

    report.add(
      await compareRounds({
        id: 'share',
        title: `Redis commands/s at N = ${SHARE_N}: one Node process (${CONCURRENCY} callers) vs ${rbName} (INCRBY)`,
        variants: {
          [rbName]: async () => (await rbRun(rbRequests)).rps,
          ...Object.fromEntries(
            Object.entries(ways).map(([name, way]) => [
              name,
              () => commandsPerSecond(way, SHARE_N, SAMPLE_MS, 'share'),
            ]),
          ),
        },
        baseline: rbName,
        kind: 'load',
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        unit: 'commands/s',
      }),
    );

    await report.finish(
      "The roadmap's claim, throughput ratios and the share of redis-benchmark's limit. Operations/s ÷ those of N + 1 round trips, " +
        '{param:concurrency} callers: one Lua script {ratio:n1/Lua} at N = 1, {ratio:n10/Lua} at N = 10 and {ratio:n100/Lua} at N = 100; ' +
        'MULTI/EXEC {ratio:n1/MULTI/EXEC}, {ratio:n10/MULTI/EXEC} and {ratio:n100/MULTI/EXEC}; a pipeline {ratio:n1/pipeline}, ' +
        '{ratio:n10/pipeline} and {ratio:n100/pipeline}. Redis commands run per second at N = {param:shareN}, one Node process ÷ ' +
        `${rbName} (INCRBY): through Lua {ratio:share/Lua}, a pipeline {ratio:share/pipeline}, MULTI/EXEC {ratio:share/MULTI/EXEC}, ` +
        'round trips {ratio:share/round trips}.',
    );
  } finally {
    await ns.close();
  }
});
