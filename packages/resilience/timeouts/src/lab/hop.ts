// One service of the lab chain A → B → C → PostgreSQL, a fastify app in its own process (spawnTsWorker).
// Configured by environment: HOP_NAME, HOP_MODE ("deadlines" or "none"), HOP_NEXT (the next service's
// URL) or HOP_DB (a PostgreSQL URL: this hop is the last one), HOP_RESERVE_MS (deadlines: kept for its own
// reply), HOP_TIMEOUT_MS (none: the fixed timeout this hop puts on its call to the next one),
// HOP_POOL_MAX (pg pool size). GET /work?sleep=<s> does the chain's work: the last hop runs
// SELECT pg_sleep(s). GET /stats counts what happened; the last hop also logs when each query ended.
import Fastify from 'fastify';
import pg from 'pg';
import { execute } from '@poc/kit';
import { deadlineHook } from '../fastify.ts';
import { naiveQuery, naiveTimeout } from '../naive.ts';
import { pgQuery } from '../pg.ts';
import { deadlineHeader } from '../timeouts.ts';
import { isTimeoutsError } from '../errors.ts';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const name = env('HOP_NAME');
const mode = env('HOP_MODE') as 'deadlines' | 'none';
const next = process.env.HOP_NEXT;
const db = process.env.HOP_DB;
const reserveMs = Number(env('HOP_RESERVE_MS', '20'));
const hopTimeoutMs = Number(env('HOP_TIMEOUT_MS', '30000'));
if (mode !== 'deadlines' && mode !== 'none') throw new Error('HOP_MODE must be "deadlines" or "none"');

const pool = db ? new pg.Pool({ connectionString: db, max: Number(env('HOP_POOL_MAX', '10')) }) : undefined;
pool?.on('error', () => undefined);
const stats = { started: 0, completed: 0, timedOut: 0, failed: 0, refused: 0, running: 0, maxRunning: 0 };
/** Last hop only: when each query ended, by request id, so a caller can tell work done after it gave up. */
let log: Array<{ id: string; endedAt: number; outcome: 'completed' | 'cancelled' | 'failed' }> = [];

const app = Fastify({ logger: false });
if (mode === 'deadlines') deadlineHook(app, { reserveMs, onRefused: () => void stats.refused++ });

app.get('/work', async (request, reply) => {
  const sleep = Number((request.query as { sleep?: string }).sleep ?? '0');
  const id = String(request.headers['x-request-id'] ?? '');
  const signal = mode === 'deadlines' ? request.deadlineSignal : new AbortController().signal;
  stats.started++;
  stats.running++;
  stats.maxRunning = Math.max(stats.maxRunning, stats.running);
  try {
    if (pool) {
      const query = mode === 'deadlines' ? pgQuery : naiveQuery;
      try {
        await query(pool, 'SELECT pg_sleep($1)', [sleep], signal);
        log.push({ id, endedAt: Date.now(), outcome: 'completed' });
      } catch (e) {
        log.push({ id, endedAt: Date.now(), outcome: signal.aborted ? 'cancelled' : 'failed' });
        throw e;
      }
    } else {
      const call = (s: AbortSignal) =>
        fetch(`${next}/work?sleep=${sleep}`, {
          signal: s,
          headers: {
            'x-request-id': id,
            ...(mode === 'deadlines' && request.deadline ? deadlineHeader(request.deadline, reserveMs) : {}),
          },
        });
      const res = mode === 'deadlines' ? await call(signal) : await execute(naiveTimeout({ ms: hopTimeoutMs })(call));
      const body = await res.text();
      if (!res.ok) {
        stats.failed++;
        return reply.code(res.status).send(body);
      }
    }
    stats.completed++;
    return { hop: name, ok: true };
  } catch (e) {
    if (isTimeoutsError(e)) {
      stats.timedOut++;
      return reply.code(504).send({ error: e.code, message: e.message });
    }
    stats.failed++;
    throw e;
  } finally {
    stats.running--;
  }
});
app.get('/stats', async () => ({ name, mode, ...stats, log }));
app.post('/reset', async () => {
  for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] = 0;
  log = [];
  return { ok: true };
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${address}`);
