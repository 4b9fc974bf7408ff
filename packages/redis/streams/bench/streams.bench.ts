// pnpm --filter poc-redis-streams bench
// A Redis stream with a consumer group (this POC's consume loop) against a PostgreSQL table queue
// (INSERT; SELECT ... FOR UPDATE SKIP LOCKED + DELETE; polling), both with the same number of
// consumers and the same batch size, both acking/deleting only after the handler ran.
// 1. End-to-end latency, one message in flight: enqueue, wait until a consumer's handler has it.
// 2. End-to-end throughput, 32 messages in flight (32 callers each enqueue and wait, in a loop).
// 3. Draining a backlog: 2 000 messages already queued (untimed), time until the consumers handled all.
// 4. Enqueue only, one caller: XADD vs INSERT (what a producer pays per message).
// Same state for both sides: every timed run (and every warm-up) gets a new, empty stream or table,
// with its consumers started for it and stopped after it, so no run inherits a long stream or a
// table full of dead tuples, and no idle poller of the other side runs while one side is timed.
// Every comparison interleaves the two sides round by round (harness compareLoad / compareRounds).
// The PostgreSQL queue is the baseline of every ratio: redis ÷ postgres.
import { randomUUID } from 'node:crypto';
import {
  benchProfile,
  benchReport,
  compareLoad,
  compareRounds,
  postgresDatabase,
  redisNamespace,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { consume, ensureGroup, streamProducer, type StreamProducer } from '../src/index.ts';
import { consumeTable, createQueueTable, enqueue } from './table-queue.ts';

const short = benchProfile() === 'short';
const CONSUMERS = 2;
const BATCH = 10;
const POLL_MS = 20;
const IN_FLIGHT = 32;
const DURATION_MS = 1_000;
const WARMUP_MS = 300;
// 9 rounds: the 95% interval of a median is then the 2nd to the 8th of the 9 per-round ratios, so one
// disturbed round cannot set its edge (with 6 to 8 rounds it is min–max).
const ROUNDS = 9;
const MAX_LEN = 100_000;
const BACKLOG = short ? 200 : 3_000;
const ENQUEUE_MS = short ? 50 : 400;
const PG_POOL = 10; // node-postgres's default pool size
const TRIP_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 60_000;
const GROUP = 'workers';

interface Job {
  key: string;
  n: number;
}

/** One side of the comparison: a queue that is created empty, consumed, and deleted. */
interface Side {
  /** A new, empty queue (stream + group, or table); the previous one must be closed. */
  create(): Promise<void>;
  /** Starts CONSUMERS consumers on the current queue. */
  start(handler: (job: Job) => void): void;
  send(job: Job): Promise<unknown>;
  /** Adds `count` messages to the current queue at once (no consumer needs to run). */
  fill(count: number): Promise<void>;
  /** Stops the consumers, deletes the queue; rejects if a consumer loop failed. */
  close(): Promise<void>;
}

async function serverSettings(redis: Redis, pool: pg.Pool): Promise<{ redis: string; postgres: string }> {
  const redisConf = await Promise.all(
    ['appendonly', 'appendfsync', 'save'].map(async (name) => {
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
  const ns = await redisNamespace({ name: 'streamsbench' });
  const db = await postgresDatabase({ name: 'streamsbench' });
  const sides: Side[] = [];
  try {
    // Redis: one connection for producers (ioredis sends concurrent commands on it without waiting for
    // the replies before); per consumer one for starts, acks and claims plus the blocking one consume() opens.
    const redis = ns.client();
    const redisConsumerClients = Array.from({ length: CONSUMERS }, () => ns.client());
    // PostgreSQL: a pool for producers (node-postgres runs one query per connection at a time; a pool,
    // of its default size, serves concurrent callers), one dedicated connection per consumer.
    const pool = db.pool({ max: PG_POOL });
    const pgConsumerClients = await Promise.all(Array.from({ length: CONSUMERS }, () => db.client()));
    const settings = await serverSettings(redis, pool);

    // Whoever sends a job waits on this map until some consumer's handler resolves it.
    const waiting = new Map<string, () => void>();
    const deliver = (job: Job): void => {
      waiting.get(job.key)?.();
      waiting.delete(job.key);
    };
    const roundTrip = async (side: Side): Promise<void> => {
      const job = { key: randomUUID(), n: 42 };
      let timer: NodeJS.Timeout | undefined;
      const received = new Promise<void>((resolve, reject) => {
        waiting.set(job.key, resolve);
        timer = setTimeout(() => {
          waiting.delete(job.key);
          reject(new Error(`no consumer handled ${job.key} within ${TRIP_TIMEOUT_MS} ms`));
        }, TRIP_TIMEOUT_MS);
      });
      try {
        await side.send(job);
        await received;
      } finally {
        clearTimeout(timer);
      }
    };

    /** Consumer loops of the open queue; a loop that failed fails the bench when its queue is closed. */
    const consumers = (what: string) => {
      let halt = new AbortController();
      let loops: Array<Promise<unknown>> = [];
      return {
        run(start: (signal: AbortSignal) => Array<Promise<unknown>>): void {
          halt = new AbortController();
          loops = start(halt.signal);
          for (const loop of loops) loop.catch(() => {}); // reported by stop()
        },
        async stop(): Promise<void> {
          halt.abort();
          const results = await Promise.allSettled(loops);
          loops = [];
          const failed = results.find((r) => r.status === 'rejected');
          if (failed) throw new Error(`a ${what} consumer failed`, { cause: failed.reason });
        },
      };
    };

    let queues = 0;
    const redisSide = (): Side => {
      let stream = '';
      let producer: StreamProducer<Job> | undefined;
      const loops = consumers('redis');
      return {
        async create() {
          stream = `jobs-${++queues}`;
          await ensureGroup(redis, stream, GROUP);
          producer = streamProducer<Job>(redis, { stream, maxLen: MAX_LEN });
        },
        start(handler) {
          loops.run((signal) =>
            redisConsumerClients.map((client, i) =>
              consume<Job>(client, {
                stream,
                group: GROUP,
                consumer: `c${i}`,
                batchSize: BATCH,
                signal,
                handler: ({ data }) => handler(data),
              }),
            ),
          );
        },
        send: (job) => producer!.add(job),
        async fill(count) {
          for (let i = 0; i < count; i += 500)
            await producer!.addMany(
              Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ key: 'k', n: i + j })),
            );
        },
        async close() {
          try {
            await loops.stop();
          } finally {
            if (stream) await redis.unlink(stream, `${stream}:runs:${GROUP}`, `${stream}:dead`);
            stream = '';
          }
        },
      };
    };

    const postgresSide = (): Side => {
      let table = '';
      const loops = consumers('postgres');
      return {
        async create() {
          table = `jobs_${++queues}`;
          await createQueueTable(pool, table);
        },
        start(handler) {
          loops.run((signal) =>
            pgConsumerClients.map((client) =>
              consumeTable<Job>(client, { table, batchSize: BATCH, pollMs: POLL_MS, signal, handler }),
            ),
          );
        },
        send: (job) => enqueue(pool, table, job),
        async fill(count) {
          await pool.query(
            `INSERT INTO ${table} (payload) SELECT jsonb_build_object('key', 'k', 'n', g) FROM generate_series(1, $1) g`,
            [count],
          );
        },
        async close() {
          try {
            await loops.stop();
          } finally {
            if (table) await pool.query(`DROP TABLE IF EXISTS ${table}`);
            table = '';
          }
        },
      };
    };

    const side = { postgres: postgresSide(), redis: redisSide() };
    sides.push(side.postgres, side.redis);
    let open: Side | undefined;
    const closeOpen = async (): Promise<void> => {
      const s = open;
      open = undefined;
      await s?.close();
    };
    /**
     * Before each timed run and each warm-up (compareLoad's beforeEach): close whichever queue is open,
     * create a new empty one for `name`, start its consumers and wait until they handled a probe (for
     * Redis, until their blocking connections are up).
     */
    const fresh = async (name: string): Promise<void> => {
      await closeOpen();
      const next = side[name as keyof typeof side];
      await next.create();
      next.start(deliver);
      open = next;
      await roundTrip(next);
    };

    const report = benchReport({
      parameters: {
        consumers: `${CONSUMERS} per queue`,
        batchSize: BATCH,
        postgresPollMs: POLL_MS,
        inFlight: IN_FLIGHT,
        durationMsPerRun: DURATION_MS,
        warmupMsPerSide: WARMUP_MS,
        backlog: BACKLOG,
        enqueueMsPerSample: ENQUEUE_MS,
        redisMaxLen: `~${MAX_LEN}`,
        freshState: 'a new stream / table (and consumers) for every timed run and warm-up, deleted after it',
        redisConnections: `1 for producers (pipelined) + ${CONSUMERS} x 2 for consumers (commands + blocking read)`,
        postgresConnections: `pool of ${PG_POOL} for producers + ${CONSUMERS} dedicated for consumers`,
        redisPersistence: settings.redis,
        postgresDurability: settings.postgres,
      },
      services: ['redis', 'postgres'],
    });

    const e2e = {
      postgres: () => roundTrip(side.postgres),
      redis: () => roundTrip(side.redis),
    };
    report.add(
      await compareLoad({
        id: 'e2e-latency',
        title: 'Enqueue -> handler receives it, one message in flight (latency = the whole trip)',
        variants: e2e,
        concurrency: 1,
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        rounds: ROUNDS,
        beforeEach: fresh,
      }),
    );
    report.add(
      await compareLoad({
        id: 'e2e-throughput',
        title: `Enqueue -> handler receives it, ${IN_FLIGHT} messages in flight`,
        variants: e2e,
        concurrency: IN_FLIGHT,
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        rounds: ROUNDS,
        beforeEach: fresh,
      }),
    );
    await closeOpen();

    // Draining: fill a new queue while no consumer runs (untimed), then start the consumers and time
    // them until every message was handled. The clock includes starting the consumers on both sides
    // (for Redis, consume() opens its blocking connection: about a millisecond on loopback). A message
    // handled twice counts as an error.
    const drain = async (s: Side): Promise<RoundSample> => {
      await s.create();
      await s.fill(BACKLOG);
      const seen = new Uint8Array(BACKLOG);
      let handled = 0;
      let duplicates = 0;
      let allHandled!: () => void;
      const done = new Promise<void>((resolve) => (allHandled = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`drain: ${handled} of ${BACKLOG} handled after ${DRAIN_TIMEOUT_MS} ms`)),
          DRAIN_TIMEOUT_MS,
        );
      });
      const t0 = performance.now();
      s.start((job) => {
        // The table queue's payload numbers rows from 1, the stream's from 0.
        const i = job.n % BACKLOG;
        if (seen[i]) duplicates++;
        else {
          seen[i] = 1;
          if (++handled === BACKLOG) allHandled();
        }
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
      const seconds = (performance.now() - t0) / 1_000;
      await s.close();
      return { ops: BACKLOG, seconds, errors: duplicates };
    };
    // One untimed drain per side first: the same warm-up for both.
    await drain(side.postgres);
    await drain(side.redis);
    report.add(
      await compareRounds({
        id: 'drain',
        title: `Drain a backlog of ${BACKLOG} messages with ${CONSUMERS} consumers (new queue filled untimed each time)`,
        variants: { postgres: () => drain(side.postgres), redis: () => drain(side.redis) },
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );

    // Enqueue only: one caller sends, one message at a time, for ENQUEUE_MS into a new, empty queue
    // with no consumer.
    const enqueueOnly = async (s: Side): Promise<RoundSample> => {
      await s.create();
      let n = 0;
      const t0 = performance.now();
      const end = t0 + ENQUEUE_MS;
      while (performance.now() < end) await s.send({ key: 'k', n: n++ });
      const seconds = (performance.now() - t0) / 1_000;
      await s.close();
      return { ops: n, seconds };
    };
    await enqueueOnly(side.postgres);
    await enqueueOnly(side.redis);
    report.add(
      await compareRounds({
        id: 'enqueue',
        title: `Enqueue only, one caller, ${ENQUEUE_MS} ms of sends into an empty queue: INSERT vs XADD MAXLEN ~`,
        variants: { postgres: () => enqueueOnly(side.postgres), redis: () => enqueueOnly(side.redis) },
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );

    await report.finish(
      'Redis streams ÷ PostgreSQL SKIP LOCKED table queue, both on fresh queues: ' +
        '{ratio:e2e-throughput/redis} end-to-end throughput with {param:inFlight} messages in flight, ' +
        '{ratio:e2e-latency/redis} with one in flight (p50 trip {p50:e2e-latency/redis} ms vs {p50:e2e-latency/postgres} ms, ' +
        '{param:postgresPollMs} ms polling), {ratio:drain/redis} draining a {param:backlog}-message backlog, ' +
        '{ratio:enqueue/redis} for enqueue alone.',
    );
  } finally {
    for (const s of sides) await s.close().catch(() => {});
    await ns.close();
    await db.close();
  }
});
