// The service of the tests, bench and demo: a fastify app run in its own process
// (`node --import tsx src/lab/service.ts '<config json>'`, started by startLab() in ./lab.ts). GET /work
// runs one PostgreSQL query of fixed cost (`SELECT pg_sleep(workMs / 1000)`) on a pool of `concurrency`
// connections, so its capacity is concurrency / workMs. What stands in front of the query is the variant:
//   bounded    the POC: admission({ concurrency, queue, maxQueueWaitMs }) with shedLoad() (503 + Retry-After)
//   unbounded  the naive variant: unboundedAdmission({ concurrency }) with the same hooks (never sheds)
//   p-queue    p-queue with { concurrency }, shedding with 503 + a constant Retry-After when size >= queue
//   p-limit    p-limit(concurrency): everything waits its turn
// GET /stats gives the variant's counts and the samples taken every `sampleMs` (queue length, RSS, heap).
import Fastify from 'fastify';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import pg from 'pg';
import { admission, shedLoad, type AdmissionStats } from '../index.ts';
import { unboundedAdmission } from '../naive.ts';

export const VARIANTS = ['bounded', 'unbounded', 'p-queue', 'p-limit'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface ServiceConfig {
  variant: Variant;
  databaseUrl: string;
  concurrency: number;
  /** Queue bound of the bounded variants (the POC and p-queue). */
  queue: number;
  maxQueueWaitMs: number;
  /** Cost of one /work request: the duration of its pg_sleep. */
  workMs: number;
  sampleMs: number;
}

export interface Sample {
  /** ms since the service started sampling */
  at: number;
  queued: number;
  running: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface ServiceStats {
  variant: Variant;
  /** Waiting for a slot now. */
  queued: number;
  running: number;
  /** Highest queue length the variant itself recorded (exact for the POC and the naive variant). */
  maxQueued: number;
  /** /work requests whose query ran to the end. */
  completed: number;
  /** /work requests answered 503. */
  shed: number;
  admission?: AdmissionStats;
  samples: Sample[];
}

export function buildService(config: ServiceConfig): { app: ReturnType<typeof Fastify>; pool: pg.Pool } {
  const app = Fastify({ logger: false });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.concurrency });
  pool.on('error', () => undefined); // an idle connection dropped at shutdown
  let completed = 0;
  let shed = 0;
  const query = async (): Promise<{ ok: true }> => {
    await pool.query('SELECT pg_sleep($1::float8 / 1000)', [config.workMs]);
    completed++;
    return { ok: true };
  };

  let gauge: () => { queued: number; running: number; maxQueued: number; admission?: AdmissionStats };
  if (config.variant === 'bounded' || config.variant === 'unbounded') {
    const gate =
      config.variant === 'bounded'
        ? admission({ concurrency: config.concurrency, queue: config.queue, maxQueueWaitMs: config.maxQueueWaitMs })
        : unboundedAdmission({ concurrency: config.concurrency });
    void app.register(async (scope) => {
      shedLoad(scope, gate);
      scope.addHook('onSend', async (_request, reply, payload) => {
        if (reply.statusCode === 503) shed++;
        return payload;
      });
      scope.get('/work', query);
    });
    gauge = () => {
      const s = gate.stats();
      return { queued: s.queued, running: s.running, maxQueued: s.maxQueued, admission: s };
    };
  } else if (config.variant === 'p-queue') {
    const queue = new PQueue({ concurrency: config.concurrency });
    let maxQueued = 0;
    app.get('/work', async (_request, reply) => {
      // The check p-queue's README suggests for a bounded queue: look at the size before adding.
      if (queue.size >= config.queue) {
        shed++;
        return reply.code(503).header('retry-after', '1').send({ error: 'overloaded' });
      }
      const done = queue.add(query);
      maxQueued = Math.max(maxQueued, queue.size);
      return done;
    });
    gauge = () => ({ queued: queue.size, running: queue.pending, maxQueued });
  } else {
    const limit = pLimit(config.concurrency);
    let maxQueued = 0;
    app.get('/work', async () => {
      const done = limit(query);
      maxQueued = Math.max(maxQueued, limit.pendingCount);
      return done;
    });
    gauge = () => ({ queued: limit.pendingCount, running: limit.activeCount, maxQueued });
  }

  const samples: Sample[] = [];
  const started = performance.now();
  const sampler = setInterval(() => {
    const g = gauge();
    const m = process.memoryUsage();
    samples.push({
      at: Math.round(performance.now() - started),
      queued: g.queued,
      running: g.running,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
    });
  }, config.sampleMs);
  sampler.unref();
  app.get('/stats', async (): Promise<ServiceStats> => {
    const g = gauge();
    return { variant: config.variant, ...g, completed, shed, samples };
  });
  app.post('/stats/reset', async () => {
    samples.length = 0;
    return { ok: true };
  });
  app.addHook('onClose', async () => {
    clearInterval(sampler);
    await pool.end();
  });
  return { app, pool };
}

// Run as a process: listen on a free loopback port and print it for the parent (spawnTsWorker).
if (import.meta.url === `file://${process.argv[1]}`) {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServiceConfig;
  const { app, pool } = buildService(config);
  await pool.query('SELECT 1'); // reachable before it says it listens
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).host}`);
}
