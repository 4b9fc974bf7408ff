// pnpm --filter poc-redis-job-queue bench
// Every variant does the same thing: a producer enqueues a job, a worker (two per system) takes it,
// records its completion, and the producer's operation ends when the completion is observed. So one
// operation = enqueue -> processed, and its latency is the end-to-end latency of a job.
//   poc              this queue (LPUSH + BLMOVE, Lua claim/ack), 2 workers
//   bullmq           BullMQ 5.81.5 Queue + 2 Workers on the same Redis, set up as its docs advise
//                    (maxRetriesPerRequest: null, removeOnComplete / removeOnFail)
//   pg-poll-<N>ms    the usual PostgreSQL table queue: 2 workers loop on
//                    SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1, process, DELETE, COMMIT,
//                    and sleep N ms whenever the table has nothing for them
// 1. A quiet queue: one producer at a time (concurrency 1). Latency here is what a user waits for,
//    and with polling it is dominated by the poll interval.
//    In this closed loop the next job arrives right after a poller finished one, which flatters a
//    poller that loops at once after a job (it often catches the next job without sleeping).
// 2. Random arrivals: one job at a time after a random, untimed pause, so jobs land at a random point
//    of the pollers' sleep. Two comparisons, each with the same pauses for every variant in it:
//    pauses of 0-100 ms for the POC, BullMQ and the 100 ms poller; pauses of 0-1 s for the POC and the
//    1 s poller. Interleaved rounds (compareRounds): a round's rate is jobs ÷ the time spent waiting
//    for them, and every job's wait is kept for the latency percentiles.
// 3. A busy queue: 16 producers at once. Pollers rarely sleep, so this is closer to raw throughput.
// Same state: before each timed run (and warm-up) the PostgreSQL tables are truncated (no dead tuples
// carried over); the Redis queues are empty after every run (all jobs completed, none kept).
// Baselines, so that every ratio reads as "times the baseline's rate": the slowest variant where the
// pollers are compared (quiet queue: the 1 s poller; random arrivals: the poller of that comparison),
// this POC in the busy queue (where the question is POC vs BullMQ).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchProfile,
  benchReport,
  compareLoad,
  compareRounds,
  latencySummary,
  postgresDatabase,
  redisClient,
  redisNamespace,
  serverFor,
  uniqueName,
  type Comparison,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { jobQueue, type QueueWorker } from '../src/index.ts';

const short = benchProfile() === 'short';
const WORKERS = 2;
const BUSY_PRODUCERS = 16;
const POLL_INTERVALS_MS = [100, 1_000] as const;
const DURATION_MS = 1_000;
const WARMUP_MS = 300;
const ROUNDS = 6; // the fewest that give a 95% interval (min–max of the per-round ratios)
// Random arrivals: per comparison, the pause range before each job and the jobs per variant per round.
const ARRIVALS = {
  fast: { gapMs: 100, jobs: short ? 2 : 10 },
  slow: { gapMs: 1_000, jobs: short ? 2 : 5 },
} as const;
const JOB_TIMEOUT_MS = 15_000;

async function serverSettings(redis: Redis, pool: pg.Pool): Promise<{ redis: string; postgres: string }> {
  const redisConf = await Promise.all(
    ['appendonly', 'appendfsync', 'save', 'maxmemory-policy'].map(async (name) => {
      const [, value] = (await redis.config('GET', name)) as [string, string];
      return `${name}=${value === '' ? '""' : value}`;
    }),
  );
  const { rows } = await pool.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name`,
  );
  return { redis: redisConf.join(' '), postgres: rows.map((r) => `${r.name}=${r.setting}`).join(' ') };
}

runMain(async () => {
  const redisServer = await serverFor('redis');
  const ns = await redisNamespace({ name: 'jqbench' });
  const db = await postgresDatabase({ name: 'jqbench' });
  const bullPrefix = uniqueName('bullbench');

  // Producers wait on these: job key -> resolve, called once the job's completion is recorded.
  const waiting = new Map<string, () => void>();
  let seq = 0;
  const completed = (key: string): void => {
    waiting.get(key)?.();
    waiting.delete(key);
  };
  /** enqueue -> processed; rejects (an error the harness counts) if the job is not processed in time. */
  async function roundTrip(enqueue: (key: string) => Promise<unknown>): Promise<void> {
    const key = `k${++seq}`;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      waiting.set(key, resolve);
      timer = setTimeout(() => {
        waiting.delete(key);
        reject(new Error(`job ${key} not processed within ${JOB_TIMEOUT_MS} ms`));
      }, JOB_TIMEOUT_MS);
    });
    try {
      await enqueue(key);
      await done;
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the POC -----------------------------------------------------------------------------------------
  const redis = ns.client();
  const queue = jobQueue<{ key: string }>(redis, { name: 'bench', keepCompleted: 0 });
  const pocWorkers: QueueWorker[] = [];
  for (let w = 0; w < WORKERS; w++) {
    pocWorkers.push(
      await queue.work(async () => {}, {
        id: `w${w}`,
        onEvent: (e) => (e.type === 'completed' ? completed(e.id) : e.type !== 'lost' && console.error(e)),
      }),
    );
  }

  // --- BullMQ ------------------------------------------------------------------------------------------
  const { hostname, port } = new URL(redisServer.url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const bullQueue = new Queue('bench', { connection, prefix: bullPrefix });
  const bullWorkers = Array.from({ length: WORKERS }, () => {
    const w = new Worker('bench', async () => {}, { connection, prefix: bullPrefix, concurrency: 1 });
    w.on('completed', (job) => completed(job.id!));
    w.on('failed', (_job, err) => console.error(err));
    return w;
  });
  await Promise.all(bullWorkers.map((w) => w.waitUntilReady()));

  // --- PostgreSQL polling ----------------------------------------------------------------------------
  const pool: pg.Pool = db.pool({ max: BUSY_PRODUCERS + 2 });
  let stopping = false;
  const pollers: Array<Promise<void>> = [];
  for (const pollMs of POLL_INTERVALS_MS) {
    await pool.query(
      `CREATE TABLE jobs_${pollMs} (id bigserial PRIMARY KEY, key text NOT NULL, payload jsonb NOT NULL, run_at timestamptz NOT NULL DEFAULT now())`,
    );
    // run_at <= statement_timestamp(), not now(): inside BEGIN, now() is when the transaction began,
    // one round trip before the SELECT, and a job committed in between would be skipped until the
    // next poll. The SELECT's own start time lets the poller see every job committed before it ran.
    for (let w = 0; w < WORKERS; w++) {
      const client = await db.client();
      pollers.push(
        (async () => {
          while (!stopping) {
            await client.query('BEGIN');
            const { rows } = await client.query<{ id: string; key: string }>(
              `SELECT id, key FROM jobs_${pollMs} WHERE run_at <= statement_timestamp() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            );
            const job = rows[0];
            if (!job) {
              await client.query('COMMIT');
              await sleep(pollMs);
              continue;
            }
            await client.query(`DELETE FROM jobs_${pollMs} WHERE id = $1`, [job.id]);
            await client.query('COMMIT');
            completed(job.key);
          }
        })(),
      );
    }
  }
  /** Fresh state for a PostgreSQL variant: the (empty) table truncated, so no dead tuples carry over. */
  const fresh = async (variant: string): Promise<void> => {
    const pollMs = POLL_INTERVALS_MS.find((ms) => variant === `pg-poll-${ms}ms`);
    if (pollMs !== undefined) await pool.query(`TRUNCATE jobs_${pollMs}`);
  };

  const variants = (): Record<string, () => Promise<void>> => {
    const v: Record<string, () => Promise<void>> = {
      poc: () => roundTrip((key) => queue.enqueue({ key }, { id: key })),
      bullmq: () =>
        roundTrip((key) => bullQueue.add('job', { key }, { jobId: key, removeOnComplete: true, removeOnFail: true })),
    };
    for (const pollMs of POLL_INTERVALS_MS) {
      v[`pg-poll-${pollMs}ms`] = () =>
        roundTrip((key) => pool.query(`INSERT INTO jobs_${pollMs} (key, payload) VALUES ($1, $2)`, [key, { key }]));
    }
    return v;
  };

  try {
    const settings = await serverSettings(redis, pool);
    const report = benchReport({
      parameters: {
        workersPerSystem: WORKERS,
        busyProducers: BUSY_PRODUCERS,
        pollIntervalsMs: POLL_INTERVALS_MS.join(' and '),
        durationMsPerRun: DURATION_MS,
        warmupMsPerVariant: WARMUP_MS,
        randomArrivals: `${ARRIVALS.fast.jobs} jobs per variant per round after 0-${ARRIVALS.fast.gapMs} ms pauses (POC, BullMQ, 100 ms poller); ${ARRIVALS.slow.jobs} after 0-${ARRIVALS.slow.gapMs} ms pauses (POC, 1 s poller)`,
        handler: 'empty (measures the queue, not the work)',
        bullmq: '5.81.5, same Redis, maxRetriesPerRequest null, removeOnComplete/removeOnFail, worker concurrency 1',
        freshState: 'PostgreSQL tables truncated before every run; Redis queues empty after every run',
        connections: `POC: 1 shared + a blocking one per worker; BullMQ: 1 for the Queue + its own per Worker; PostgreSQL: pool of ${BUSY_PRODUCERS + 2} for producers + 1 per poller`,
        redisPersistence: settings.redis,
        postgresDurability: settings.postgres,
      },
      services: ['redis', 'postgres'],
    });

    report.add(
      await compareLoad({
        id: 'quiet-queue',
        title: 'Quiet queue: enqueue -> processed, one producer at a time',
        variants: variants(),
        baseline: 'pg-poll-1000ms',
        concurrency: 1,
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        rounds: ROUNDS,
        beforeEach: fresh,
      }),
    );

    // Random arrivals: the pause is not timed; its range covers a whole poll cycle of the comparison's poller.
    const all = variants();
    const arrivals = async (
      id: string,
      title: string,
      names: string[],
      { gapMs, jobs }: { gapMs: number; jobs: number },
      baseline: string,
    ): Promise<Comparison> => {
      const waits = new Map<string, number[]>(names.map((name) => [name, []]));
      const sample = async (name: string, count: number, record: boolean): Promise<RoundSample> => {
        await fresh(name);
        let waited = 0;
        let ok = 0;
        let errors = 0;
        for (let i = 0; i < count; i++) {
          await sleep(Math.random() * gapMs);
          const t0 = performance.now();
          try {
            await all[name]!();
            const ms = performance.now() - t0;
            waited += ms;
            ok++;
            if (record) waits.get(name)!.push(ms);
          } catch {
            waited += performance.now() - t0;
            errors++;
          }
        }
        return { ops: ok, seconds: waited / 1_000, errors };
      };
      for (const name of names) await sample(name, 2, false); // warm-up: 2 jobs each
      const c = await compareRounds({
        id,
        title,
        variants: Object.fromEntries(names.map((name) => [name, () => sample(name, jobs, true)])),
        baseline,
        rounds: ROUNDS,
        kind: 'load',
        concurrency: 1,
        unit: 'jobs/s of waiting',
      });
      return { ...c, variants: c.variants.map((v) => ({ ...v, latencyMs: latencySummary(waits.get(v.name)!) })) };
    };
    const rate = '(ops/s = jobs ÷ time spent waiting for them)';
    report.add(
      await arrivals(
        'random-arrivals',
        `Random arrivals, pauses of 0-${ARRIVALS.fast.gapMs} ms: one job at a time, enqueue -> processed ${rate}`,
        ['poc', 'bullmq', 'pg-poll-100ms'],
        ARRIVALS.fast,
        'pg-poll-100ms',
      ),
    );
    report.add(
      await arrivals(
        'random-arrivals-1s',
        `Random arrivals, pauses of 0-${ARRIVALS.slow.gapMs} ms: one job at a time, enqueue -> processed ${rate}`,
        ['poc', 'pg-poll-1000ms'],
        ARRIVALS.slow,
        'pg-poll-1000ms',
      ),
    );

    const { [`pg-poll-${POLL_INTERVALS_MS[1]}ms`]: _slow, ...busyVariants } = variants();
    report.add(
      await compareLoad({
        id: 'busy-queue',
        title: `Busy queue: enqueue -> processed, ${BUSY_PRODUCERS} producers at once`,
        variants: busyVariants,
        concurrency: BUSY_PRODUCERS,
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        rounds: ROUNDS,
        beforeEach: fresh,
      }),
    );

    await report.finish(
      'Random arrivals, median enqueue -> processed: POC {p50:random-arrivals/poc} ms, BullMQ {p50:random-arrivals/bullmq} ms, ' +
        'PostgreSQL polling every 100 ms {p50:random-arrivals/pg-poll-100ms} ms, every 1 s {p50:random-arrivals-1s/pg-poll-1000ms} ms; ' +
        'jobs per second of waiting, POC ÷ 1 s poller {ratio:random-arrivals-1s/poc}, POC ÷ 100 ms poller {ratio:random-arrivals/poc}; ' +
        'one producer at a time, jobs/s POC ÷ 1 s poller {ratio:quiet-queue/poc}; ' +
        'with {param:busyProducers} producers, BullMQ ÷ POC {ratio:busy-queue/bullmq} and PostgreSQL (100 ms poller) ÷ POC {ratio:busy-queue/pg-poll-100ms}.',
    );
  } finally {
    stopping = true;
    await Promise.allSettled(pollers);
    for (const w of pocWorkers) await w.close();
    await Promise.all(bullWorkers.map((w) => w.close()));
    await bullQueue.obliterate({ force: true }).catch(() => {});
    await bullQueue.close();
    const raw = redisClient(redisServer.url);
    const keys = await raw.keys(`${bullPrefix}:*`);
    if (keys.length > 0) await raw.unlink(...keys);
    raw.disconnect();
    await ns.close();
    await db.close();
  }
});
