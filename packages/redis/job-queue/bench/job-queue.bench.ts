// pnpm --filter poc-redis-job-queue bench
// Every variant does the same thing: a producer enqueues a job, a worker (two per system) takes it,
// records its completion, and the producer's operation ends when the completion is observed. So one
// operation = enqueue -> processed, and its latency is the end-to-end latency of a job.
//   poc              this queue (LPUSH + BLMOVE, Lua claim/ack), 2 workers
//   bullmq           BullMQ 5.81.5 Queue + 2 Workers on the same Redis
//   pg-poll-<N>ms    the usual PostgreSQL table queue: 2 workers loop on
//                    SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1, process, DELETE, COMMIT,
//                    and sleep N ms whenever the table has nothing for them
// 1. A quiet queue: one producer at a time (concurrency 1). Latency here is what a user waits for,
//    and with polling it is dominated by the poll interval.
//    In this closed loop the next job arrives right after a poller finished one, which flatters a
//    poller that loops at once after a job (it often catches the next job without sleeping).
// 2. Random arrivals: one job at a time after a random pause (uniform in [0, gap)), so jobs land at a
//    random point of the pollers' sleep. Enqueue -> processed is timed per job (harness measure()).
// 3. A busy queue: 16 producers at once. Pollers rarely sleep, so this is closer to raw throughput.
// This POC is the baseline of every ratio (variant ÷ POC ops/s).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchReport,
  compareLoad,
  measure,
  postgresDatabase,
  redisClient,
  redisNamespace,
  serverFor,
  uniqueName,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { Queue, Worker } from 'bullmq';
import type pg from 'pg';
import { jobQueue, type QueueWorker } from '../src/index.ts';

const WORKERS = 2;
const BUSY_PRODUCERS = 16;
const POLL_INTERVALS_MS = [100, 1_000];
const DURATION_MS = 2_000;
const ROUNDS = 5;

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
  async function roundTrip(enqueue: (key: string) => Promise<unknown>): Promise<void> {
    const key = `k${++seq}`;
    const done = new Promise<void>((resolve) => waiting.set(key, resolve));
    await enqueue(key);
    await done;
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
    for (let w = 0; w < WORKERS; w++) {
      const client = await db.client();
      pollers.push(
        (async () => {
          while (!stopping) {
            await client.query('BEGIN');
            const { rows } = await client.query<{ id: string; key: string }>(
              `SELECT id, key FROM jobs_${pollMs} WHERE run_at <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
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
    const report = benchReport({
      parameters: {
        workersPerSystem: WORKERS,
        busyProducers: BUSY_PRODUCERS,
        pollIntervalsMs: POLL_INTERVALS_MS.join(' and '),
        durationMsPerRound: DURATION_MS,
        handler: 'empty (measures the queue, not the work)',
        bullmq: '5.81.5, same Redis',
        postgresDurability: 'shared bench server (fsync off: favours PostgreSQL)',
      },
      services: ['redis', 'postgres'],
    });

    const quiet = await compareLoad({
      id: 'quiet-queue',
      title: 'Quiet queue: enqueue -> processed, one producer at a time',
      variants: variants(),
      concurrency: 1,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(quiet);

    // Random arrivals: the pause is not timed; its range covers a whole poll cycle of the slowest poller.
    const arrivals: Record<string, { gapMs: number; samples: number }> = {
      poc: { gapMs: 100, samples: 40 },
      bullmq: { gapMs: 100, samples: 40 },
      'pg-poll-100ms': { gapMs: 100, samples: 40 },
      'pg-poll-1000ms': { gapMs: 1_000, samples: 16 },
    };
    const random: Record<string, number> = {};
    for (const [name, run] of Object.entries(variants())) {
      const { gapMs, samples } = arrivals[name]!;
      const m = await measure({
        id: `random-arrivals-${name}`,
        title: `Random arrivals (pause 0-${gapMs} ms): enqueue -> processed, ${name}`,
        samples,
        warmup: 1,
        run: async () => {
          await sleep(Math.random() * gapMs);
          const t0 = performance.now();
          await run();
          return performance.now() - t0;
        },
      });
      random[name] = m.summary.median;
      report.add(m);
    }

    const { [`pg-poll-${POLL_INTERVALS_MS[1]}ms`]: _slow, ...busyVariants } = variants();
    const busy = await compareLoad({
      id: 'busy-queue',
      title: `Busy queue: enqueue -> processed, ${BUSY_PRODUCERS} producers at once`,
      variants: busyVariants,
      concurrency: BUSY_PRODUCERS,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(busy);

    const speedup = (c: typeof quiet, name: string): string =>
      (1 / c.ratios.find((r) => r.variant === name)!.median).toFixed(c === quiet ? 0 : 1);
    const ms = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
    const times = (name: string): string => (random[name]! / random.poc!).toFixed(0);
    await report.finish(
      `With random arrivals a job was processed ${ms(random.poc!)} ms (median) after enqueue with the POC, ${ms(random.bullmq!)} ms with BullMQ, ` +
        `${ms(random['pg-poll-100ms']!)} ms (${times('pg-poll-100ms')}x longer) with a 100 ms PostgreSQL poller and ${ms(random['pg-poll-1000ms']!)} ms (${times('pg-poll-1000ms')}x) with a 1 s poller; ` +
        `one-at-a-time jobs/s POC ÷ pollers = ${speedup(quiet, 'pg-poll-100ms')}x and ${speedup(quiet, 'pg-poll-1000ms')}x; ` +
        `under ${BUSY_PRODUCERS} producers POC ÷ PostgreSQL = ${speedup(busy, 'pg-poll-100ms')}x and POC ÷ BullMQ = ${speedup(busy, 'bullmq')}x jobs/s.`,
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
