// pnpm --filter poc-redis-streams bench
// A Redis stream with a consumer group (this POC's consume loop) against a PostgreSQL table queue
// (INSERT; SELECT ... FOR UPDATE SKIP LOCKED + DELETE; polling), both with the same number of
// consumers and the same batch size, both acking/deleting only after the handler ran.
// 1. End-to-end latency, one message in flight: enqueue, wait until a consumer's handler has it.
// 2. End-to-end throughput, 32 messages in flight (32 callers each enqueue and wait, in a loop).
// 3. Draining a backlog: 2 000 messages already queued (untimed), time until the consumers handled all.
// 4. Enqueue only, one caller: XADD vs INSERT (what a producer pays per message).
// The PostgreSQL queue is the baseline of every ratio: redis ÷ postgres.
import { randomUUID } from 'node:crypto';
import { benchReport, compareLoad, compareThroughput, measure, postgresDatabase, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import { consume, ensureGroup, streamProducer } from '../src/index.ts';
import { consumeTable, createQueueTable, enqueue } from './table-queue.ts';

const CONSUMERS = 2;
const BATCH = 10;
const POLL_MS = 20;
const IN_FLIGHT = 32;
const DURATION_MS = 1_500;
const ROUNDS = 3;
const MAX_LEN = 100_000;
const BACKLOG = 2_000;
const DRAIN_SAMPLES = 3;

interface Job {
  key: string;
  n: number;
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'streamsbench' });
  const db = await postgresDatabase({ name: 'streamsbench' });
  const stop = new AbortController();
  const running: Array<Promise<unknown>> = [];
  try {
    // Whoever enqueues a job waits on this map until some consumer's handler resolves it.
    const waiting = new Map<string, () => void>();
    const deliver = (job: Job): void => {
      waiting.get(job.key)?.();
      waiting.delete(job.key);
    };
    const roundTrip = async (send: (job: Job) => Promise<unknown>): Promise<void> => {
      const job = { key: randomUUID(), n: 42 };
      const received = new Promise<void>((resolve) => waiting.set(job.key, resolve));
      await send(job);
      await received;
    };

    // Redis: one connection for producers (ioredis pipelines concurrent commands on it), one per consumer
    // for acks and claims plus the blocking connection consume() opens for itself.
    const redis = ns.client();
    await ensureGroup(redis, 'jobs', 'workers');
    const producer = streamProducer<Job>(redis, { stream: 'jobs', maxLen: MAX_LEN });
    for (let i = 0; i < CONSUMERS; i++) {
      running.push(
        consume<Job>(ns.client(), {
          stream: 'jobs',
          group: 'workers',
          consumer: `c${i}`,
          batchSize: BATCH,
          signal: stop.signal,
          handler: ({ data }) => deliver(data),
        }),
      );
    }

    // PostgreSQL: a pool for producers, one dedicated connection per consumer.
    const pool = db.pool({ max: 10 });
    await createQueueTable(pool, 'jobs');
    await createQueueTable(pool, 'enqueue_only');
    for (let i = 0; i < CONSUMERS; i++) {
      const client = await db.client();
      running.push(
        consumeTable<Job>(client, {
          table: 'jobs',
          batchSize: BATCH,
          pollMs: POLL_MS,
          signal: stop.signal,
          handler: deliver,
        }),
      );
    }

    const e2e = {
      postgres: () => roundTrip((job) => enqueue(pool, 'jobs', job)),
      redis: () => roundTrip((job) => producer.add(job)),
    };

    const report = benchReport({
      parameters: {
        consumers: `${CONSUMERS} per queue`,
        batchSize: BATCH,
        postgresPollMs: POLL_MS,
        inFlight: IN_FLIGHT,
        durationMs: DURATION_MS,
        backlog: BACKLOG,
        redisMaxLen: `~${MAX_LEN}`,
        postgresPool: 10,
        redisProducerConnections: 1,
      },
      services: ['redis', 'postgres'],
    });

    const latency = await compareLoad({
      id: 'e2e-latency',
      title: 'Enqueue -> handler receives it, one message in flight (latency = the whole trip)',
      variants: { postgres: e2e.postgres, redis: e2e.redis },
      concurrency: 1,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(latency);

    const throughput = await compareLoad({
      id: 'e2e-throughput',
      title: `Enqueue -> handler receives it, ${IN_FLIGHT} messages in flight`,
      variants: { postgres: e2e.postgres, redis: e2e.redis },
      concurrency: IN_FLIGHT,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(throughput);

    // Draining: fill the queue while no consumer runs (untimed), then start the consumers and time them.
    const drainClients = {
      redis: Array.from({ length: CONSUMERS }, () => ns.client()),
      postgres: await Promise.all(Array.from({ length: CONSUMERS }, () => db.client())),
    };
    await createQueueTable(pool, 'backlog');
    let drains = 0;
    const drain = async (
      fill: () => Promise<void>,
      start: (signal: AbortSignal, handler: () => void) => Array<Promise<unknown>>,
    ): Promise<number> => {
      await fill();
      let handled = 0;
      let allHandled!: () => void;
      const done = new Promise<void>((resolve) => (allHandled = resolve));
      const halt = new AbortController();
      const t0 = performance.now();
      const consumers = start(halt.signal, () => void (++handled === BACKLOG && allHandled()));
      await done;
      const ms = performance.now() - t0;
      halt.abort();
      await Promise.all(consumers);
      return ms;
    };
    const drainPostgres = await measure({
      id: 'drain-postgres',
      title: `Drain a backlog of ${BACKLOG} with ${CONSUMERS} consumers, postgres`,
      samples: DRAIN_SAMPLES,
      run: () =>
        drain(
          async () =>
            void (await pool.query(
              `INSERT INTO backlog (payload) SELECT jsonb_build_object('key', 'k', 'n', g) FROM generate_series(1, $1) g`,
              [BACKLOG],
            )),
          (signal, handler) =>
            drainClients.postgres.map((client) =>
              consumeTable(client, { table: 'backlog', batchSize: BATCH, pollMs: POLL_MS, signal, handler }),
            ),
        ),
    });
    const drainRedis = await measure({
      id: 'drain-redis',
      title: `Drain a backlog of ${BACKLOG} with ${CONSUMERS} consumers, redis`,
      samples: DRAIN_SAMPLES,
      run: () => {
        const stream = `backlog-${drains++}`;
        return drain(
          async () => {
            await ensureGroup(redis, stream, 'workers');
            const p = streamProducer<Job>(redis, { stream });
            for (let i = 0; i < BACKLOG; i += 500)
              await p.addMany(Array.from({ length: 500 }, (_, j) => ({ key: 'k', n: i + j })));
          },
          (signal, handler) =>
            drainClients.redis.map((client, i) =>
              consume<Job>(client, { stream, group: 'workers', consumer: `d${i}`, batchSize: BATCH, signal, handler }),
            ),
        );
      },
    });
    report.add(drainPostgres);
    report.add(drainRedis);
    const perSec = (ms: number): number => Math.round((BACKLOG * 1_000) / ms);
    const drainRatio = drainPostgres.summary.median / drainRedis.summary.median;
    report.add({
      id: 'drain-rate-postgres',
      title: 'Drain rate, postgres (backlog / median time)',
      value: perSec(drainPostgres.summary.median),
      unit: 'msg/s',
    });
    report.add({
      id: 'drain-rate-redis',
      title: 'Drain rate, redis (backlog / median time)',
      value: perSec(drainRedis.summary.median),
      unit: 'msg/s',
    });
    report.add({
      id: 'drain-ratio',
      title: 'Drain rate, redis ÷ postgres',
      value: Math.round(drainRatio * 10) / 10,
      unit: 'x',
    });

    let n = 0;
    const enqueueOnlyProducer = streamProducer<Job>(redis, { stream: 'enqueue-only', maxLen: MAX_LEN });
    const enqueueOnly = await compareThroughput({
      id: 'enqueue',
      title: 'Enqueue only, one caller: INSERT vs XADD MAXLEN ~',
      variants: {
        postgres: () => enqueue(pool, 'enqueue_only', { key: 'k', n: n++ }),
        redis: () => enqueueOnlyProducer.add({ key: 'k', n: n++ }),
      },
      rounds: ROUNDS,
      timeMs: 1_000,
    });
    report.add(enqueueOnly);

    const ratio = (c: typeof latency): string => c.ratios[0]!.median.toFixed(1);
    const p50 = (c: typeof latency, v: string): string =>
      c.variants.find((x) => x.name === v)!.latencyMs!.p50.toFixed(2);
    await report.finish(
      `Redis streams ÷ PostgreSQL SKIP LOCKED table queue: ${ratio(throughput)}x end-to-end throughput with ${IN_FLIGHT} messages in flight, ` +
        `${ratio(latency)}x with one in flight (p50 trip ${p50(latency, 'redis')} ms vs ${p50(latency, 'postgres')} ms, ${POLL_MS} ms polling), ` +
        `${drainRatio.toFixed(1)}x draining a ${BACKLOG}-message backlog, ${ratio(enqueueOnly)}x for enqueue alone.`,
    );
  } finally {
    stop.abort();
    await Promise.allSettled(running);
    await ns.close();
    await db.close();
  }
});
