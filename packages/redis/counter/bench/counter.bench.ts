// pnpm --filter poc-redis-counter bench
// One hot counter, many callers: Redis INCR against a PostgreSQL row updated with
// `UPDATE counters SET n = n + 1` (one autocommit transaction per increment), at equal durability:
//   A. nothing durable: the shared servers (Redis without persistence; PostgreSQL with fsync=off,
//      synchronous_commit=off) — the cost of the operation itself;
//   B. durable on disk: private servers whose data directories are on the VM's disk — PostgreSQL with
//      its default durability (fsync on every commit) against Redis AOF with appendfsync always and
//      with appendfsync everysec (the usual production setting, which can lose ~1 s on a crash);
//   C. one caller at a time (latency-bound), shared servers.
//   D. what one Redis connection can do when the client is not the bottleneck: 100,000 INCRs
//      pipelined in batches of 1,000 (a capacity figure, not a comparison).
// Correctness first (facts): the same increments through INCR, GET+SET and SQL, lost = expected - final.
// The SQL row is the baseline of every ratio: ratio = Redis ops/s ÷ SQL ops/s.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { runMain } from '@poc/kit';

// The harness puts server data directories on /dev/shm (RAM), where fsync costs nothing. Part B is
// about fsync, so this process's private servers go to the disk instead. The harness reads the
// variable once, when it is first imported: set it before the dynamic imports inside main.
process.env.POC_HARNESS_RUN_DIR ??= join(tmpdir(), 'poc-counter-bench-disk');

const CONCURRENCY = 16;
const CHECK_EACH = 200;
const ROUNDS = 3;
const DURATION_MS = 2_000;

runMain(async () => {
  const {
    benchReport,
    compareLoad,
    compareThroughput,
    measure,
    postgresDatabase,
    privatePostgres,
    privateRedis,
    redisClient,
    redisNamespace,
  } = await import('@poc/harness');
  const { default: Pg } = await import('pg');
  const { counters, sqlCounter } = await import('../src/index.ts');
  const { naiveIncrement } = await import('../src/naive.ts');

  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const clientsFor = (make: () => Redis): Redis[] => {
    const list = Array.from({ length: CONCURRENCY }, make);
    cleanups.push(() => list.forEach((c) => c.disconnect()));
    return list;
  };

  try {
    // --- servers -------------------------------------------------------------------------------
    const ns = await redisNamespace({ name: 'cntbench' });
    cleanups.push(() => ns.close());
    const db = await postgresDatabase({ name: 'cntbench' });
    cleanups.push(() => db.close());
    const sharedRedis = clientsFor(() => ns.client());
    const sharedPool = db.pool({ max: CONCURRENCY });

    const pgDisk = await privatePostgres();
    cleanups.push(() => pgDisk.close());
    const diskPool = new Pg.Pool({ connectionString: pgDisk.url, max: CONCURRENCY });
    cleanups.push(() => diskPool.end());
    const redisAlways = await privateRedis({
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ],
    });
    cleanups.push(() => redisAlways.close());
    const redisEverysec = await privateRedis({
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'everysec'],
      ],
    });
    cleanups.push(() => redisEverysec.close());
    const alwaysClients = clientsFor(() => redisClient(redisAlways.url));
    const everysecClients = clientsFor(() => redisClient(redisEverysec.url));

    const setting = async (pool: pg.Pool, name: string): Promise<string> =>
      (await pool.query<{ v: string }>(`SELECT current_setting('${name}') AS v`)).rows[0]!.v;
    const describePg = async (pool: pg.Pool): Promise<string> =>
      `fsync=${await setting(pool, 'fsync')} synchronous_commit=${await setting(pool, 'synchronous_commit')} data=${await setting(pool, 'data_directory')}`;
    const describeRedis = async (r: Redis): Promise<string> => {
      const [, aof] = (await r.config('GET', 'appendonly')) as [string, string];
      const [, fsync] = (await r.config('GET', 'appendfsync')) as [string, string];
      const [, dir] = (await r.config('GET', 'dir')) as [string, string];
      return `appendonly=${aof} appendfsync=${fsync} dir=${dir}`;
    };

    const sharedSql = sqlCounter(sharedPool);
    const diskSql = sqlCounter(diskPool);
    await sharedSql.create();
    await diskSql.create();
    // Open every connection before anything is timed.
    await Promise.all([...sharedRedis, ...alwaysClients, ...everysecClients].map((c) => c.ping()));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        Promise.all([sharedPool.query('SELECT 1'), diskPool.query('SELECT 1')]),
      ),
    );

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        roundsPerLoad: ROUNDS,
        durationMsPerVariant: DURATION_MS,
        connections: `${CONCURRENCY} per variant (one per caller)`,
        sqlIncrement: 'UPDATE counters SET n = n + 1 WHERE name = $1 RETURNING n (autocommit, one hot row)',
        sharedPostgres: await describePg(sharedPool),
        diskPostgres: await describePg(diskPool),
        sharedRedis: await describeRedis(sharedRedis[0]!),
        redisAlways: await describeRedis(alwaysClients[0]!),
        redisEverysec: await describeRedis(everysecClients[0]!),
        correctnessRun: `${CONCURRENCY} callers x ${CHECK_EACH} increments`,
      },
      services: ['redis', 'postgres'],
    });

    // --- correctness: the same increments through each method -------------------------------------
    const expected = CONCURRENCY * CHECK_EACH;
    const lost: Record<string, number> = {};
    const methods: Record<string, { one: (w: number) => Promise<unknown>; final: () => Promise<number> }> = {
      'redis INCR': {
        one: (w) => counters(sharedRedis[w]!).increment('check-incr'),
        final: () => counters(sharedRedis[0]!).get('check-incr'),
      },
      'redis GET+SET': {
        one: (w) => naiveIncrement(sharedRedis[w]!, 'counter:check-naive'),
        final: () => counters(sharedRedis[0]!).get('check-naive'),
      },
      'SQL UPDATE n = n + 1': { one: () => sharedSql.increment('check'), final: () => sharedSql.get('check') },
    };
    for (const [name, m] of Object.entries(methods)) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, w) => {
          for (let i = 0; i < CHECK_EACH; i++) await m.one(w);
        }),
      );
      const final = await m.final();
      lost[name] = expected - final;
      process.stderr.write(`  correctness ${name}: ${final} of ${expected} (${expected - final} lost)\n`);
      report.add({
        id: `lost-${name.replace(/\W+/g, '-').toLowerCase()}`,
        title: `Lost increments, ${name} (of ${expected})`,
        value: expected - final,
        unit: 'lost',
      });
    }

    // --- A. nothing durable ----------------------------------------------------------------------
    const fast = await compareLoad({
      id: 'hot-counter-not-durable',
      title: `A. One hot counter, ${CONCURRENCY} callers, nothing durable (shared servers: fsync off / no persistence)`,
      variants: {
        'SQL UPDATE (fsync off)': () => sharedSql.increment('load'),
        'redis INCR (no persistence)': (w) => counters(sharedRedis[w]!).increment('load'),
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(fast);

    // --- B. durable on disk ------------------------------------------------------------------------
    const durable = await compareLoad({
      id: 'hot-counter-durable',
      title: `B. One hot counter, ${CONCURRENCY} callers, durable on the VM's disk (private servers)`,
      variants: {
        'SQL UPDATE (fsync per commit)': () => diskSql.increment('load'),
        'redis INCR (AOF fsync always)': (w) => counters(alwaysClients[w]!).increment('load'),
        'redis INCR (AOF fsync everysec)': (w) => counters(everysecClients[w]!).increment('load'),
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(durable);

    // --- C. one caller ---------------------------------------------------------------------------
    const single = await compareThroughput({
      id: 'one-caller',
      title: 'C. One caller, one increment at a time (shared servers)',
      variants: {
        'SQL UPDATE (fsync off)': () => sharedSql.increment('single'),
        'redis INCR (no persistence)': () => counters(sharedRedis[0]!).increment('single'),
      },
      rounds: 5,
      timeMs: 1_000,
    });
    report.add(single);

    // --- D. Redis capacity when round trips and the client's CPU are taken out --------------------
    const PIPELINED = 100_000;
    const BATCH = 1_000;
    const pipelined = await measure({
      id: 'pipelined-incr',
      title: `D. ${PIPELINED.toLocaleString('en-US')} INCRs pipelined on one connection (batches of ${BATCH})`,
      samples: 5,
      run: async () => {
        for (let done = 0; done < PIPELINED; done += BATCH) {
          const p = sharedRedis[0]!.pipeline();
          for (let i = 0; i < BATCH; i++) p.incr('counter:pipelined');
          await p.exec();
        }
      },
    });
    report.add(pipelined);
    const pipelinedRate = Math.round((PIPELINED / pipelined.summary.median) * 1_000);
    report.add({
      id: 'pipelined-incr-rate',
      title: 'D. Pipelined INCR rate (median sample)',
      value: pipelinedRate,
      unit: 'increments/s',
    });

    const ratio = (c: typeof fast, variant: string): string =>
      `${c.ratios.find((r) => r.variant === variant)!.median.toFixed(1)}x`;
    await report.finish(
      `Redis INCR ÷ SQL UPDATE n = n + 1 on one hot row with ${CONCURRENCY} callers: ${ratio(fast, 'redis INCR (no persistence)')} with nothing durable, ` +
        `${ratio(durable, 'redis INCR (AOF fsync always)')} (AOF always) and ${ratio(durable, 'redis INCR (AOF fsync everysec)')} (AOF everysec) against PostgreSQL fsyncing every commit on disk, ` +
        `${ratio(single, 'redis INCR (no persistence)')} for one caller; pipelined, one connection did ${pipelinedRate.toLocaleString('en-US')} INCR/s. Of ${expected} concurrent increments INCR lost ${lost['redis INCR']}, the SQL row ${lost['SQL UPDATE n = n + 1']}, GET+SET ${lost['redis GET+SET']}.`,
    );
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  }
});
