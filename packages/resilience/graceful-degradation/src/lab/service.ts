// The service of the tests, bench and demo: a fastify app in its own process
// (`node --import tsx src/lab/service.ts '<config json>'`, started by startLab() in ./lab.ts) that reads
// PostgreSQL through a toxiproxy proxy (the link the tests cut or hang) and Redis directly. Three endpoints,
// three fallbacks, each answer marked when degraded (a `Degraded` header and a `degraded` field):
//   GET /products/:id                 the product; fallback: the stale copy kept in Redis, with its age
//   GET /products/:id/recommendations fallback: a default list
//   GET /products/:id/reviews         fallback: the reviews feature switched off (an empty section, flag off)
// Variants: 'degrade' (the POC: compose(fallback, breaker, timeout) around each query; one breaker for the
// PostgreSQL dependency), 'catch' (the naive try/catch fallback, no timeout, no breaker) and 'none' (no
// fallback: a failed query is a 500). GET /stats gives the breaker's stats and the counts of what the
// fallbacks saw.
import { compose, type Operation, type Policy } from '@poc/kit';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { circuitBreaker, isCircuitBreakerError, type CircuitBreakerStats } from 'poc-resilience-circuit-breaker';
import { isTimeoutsError, pgQuery, timeout } from 'poc-resilience-timeouts';
import { fallback } from '../index.ts';
import { naiveFallback } from '../naive.ts';

export const VARIANTS = ['degrade', 'catch', 'none'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface ServiceConfig {
  variant: Variant;
  /** PostgreSQL, through the proxy. */
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Time allowed to one query (the timeout policy). */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  threshold: number;
  halfOpenAfterMs: number;
}

export type Reason = 'stale' | 'default' | 'feature-off';
export interface Degraded {
  reason: Reason;
  /** Age of a stale copy, ms. */
  ageMs?: number;
}

export interface ServiceStats {
  variant: Variant;
  breaker?: CircuitBreakerStats;
  /** What the fallbacks were given: timeouts, refusals by the open breaker, other errors (refused connections). */
  seen: { timeout: number; open: number; other: number };
  /** Answers by endpoint and by how: fresh from PostgreSQL or degraded. */
  answered: Record<string, { fresh: number; degraded: number }>;
}

export const DEFAULT_RECOMMENDATIONS = [
  { id: 3, name: 'mug' },
  { id: 4, name: 'tea tin' },
];

export function buildService(config: ServiceConfig): { app: ReturnType<typeof Fastify>; close: () => Promise<void> } {
  const app = Fastify({ logger: false });
  // pg's defaults (no connection timeout): what a service has unless something else bounds the wait.
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 5 });
  pool.on('error', () => undefined); // idle connections closed by a cut: the next query reports it
  pool.on('connect', (client) => client.on('error', () => undefined)); // and busy ones: their query reports it
  const redis = new Redis(config.redisUrl, { keyPrefix: config.redisPrefix, maxRetriesPerRequest: 1 });
  const seen = { timeout: 0, open: 0, other: 0 };
  const answered: ServiceStats['answered'] = {};
  const count = (endpoint: string, degraded: boolean): void => {
    const a = (answered[endpoint] ??= { fresh: 0, degraded: 0 });
    if (degraded) a.degraded++;
    else a.fresh++;
  };
  const classify = (error: unknown): void => {
    if (isTimeoutsError(error, 'timeout')) seen.timeout++;
    else if (isCircuitBreakerError(error, 'open')) seen.open++;
    else seen.other++;
  };

  // One breaker for the dependency (every endpoint's queries), one timeout per query.
  const breaker = circuitBreaker({
    strategy: { kind: 'consecutive', threshold: config.threshold },
    halfOpenAfterMs: config.halfOpenAfterMs,
  });
  const perQuery = timeout({ ms: config.timeoutMs, name: 'query' });
  const guard = (to: (error: unknown, signal: AbortSignal) => unknown): Policy => {
    if (config.variant === 'degrade')
      return compose(
        fallback({
          to: (error, signal) => {
            classify(error);
            return to(error, signal);
          },
        }),
        breaker,
        perQuery,
      );
    if (config.variant === 'catch')
      return naiveFallback({
        to: (error, signal) => {
          classify(error);
          return to(error, signal);
        },
      });
    return (op) => op;
  };
  const query =
    <R extends pg.QueryResultRow>(sql: string, values: unknown[]): Operation<R[]> =>
    (signal) =>
      pgQuery<R>(pool, sql, values, signal);

  const mark = (reply: { header: (k: string, v: string) => unknown }, d: Degraded): void => {
    reply.header('degraded', d.ageMs === undefined ? d.reason : `${d.reason}; age=${Math.floor(d.ageMs / 1000)}`);
  };
  const run = <T>(op: Operation<T>, signal: AbortSignal): Promise<T> => op(signal);
  /** Aborts when the client goes away before its answer was sent. */
  const requestSignal = (raw: NodeJS.WritableStream & { writableFinished: boolean }): AbortSignal => {
    const c = new AbortController();
    raw.once('close', () => {
      if (!raw.writableFinished) c.abort(new Error('client closed the request'));
    });
    return c.signal;
  };

  type Product = { id: number; name: string; price: number; degraded?: Degraded };
  const staleKey = (id: number): string => `product:${id}`;
  // The fallback of the product needs its id: one fallback per request, the breaker and timeout shared.
  const productGuard = (id: number): Policy =>
    guard(async () => {
      const copy = await redis.get(staleKey(id));
      if (copy === null) throw new Error('no stale copy in Redis');
      const { product, cachedAt } = JSON.parse(copy) as { product: Product; cachedAt: number };
      return { ...product, degraded: { reason: 'stale', ageMs: Date.now() - cachedAt } };
    });

  app.get<{ Params: { id: string } }>('/products/:id', async (request, reply) => {
    const id = Number(request.params.id);
    const op: Operation<Product | null> = async (signal) => {
      const rows = await query<Product>('SELECT id, name, price FROM products WHERE id = $1', [id])(signal);
      const product = rows[0] ?? null;
      // The copy the fallback serves; a failed write only leaves an older copy (or none) there.
      if (product)
        await redis.set(staleKey(id), JSON.stringify({ product, cachedAt: Date.now() })).catch(() => undefined);
      return product;
    };
    const product = await run(productGuard(id)(op), requestSignal(reply.raw));
    if (!product) return reply.code(404).send({ error: 'no such product' });
    count('product', product.degraded !== undefined);
    if (product.degraded) mark(reply, product.degraded);
    return product;
  });

  type Recommendations = { items: Array<{ id: number; name: string }>; degraded?: Degraded };
  const recommendationsGuard = guard(() => ({ items: DEFAULT_RECOMMENDATIONS, degraded: { reason: 'default' } }));
  app.get<{ Params: { id: string } }>('/products/:id/recommendations', async (request, reply) => {
    const id = Number(request.params.id);
    const op: Operation<Recommendations> = async (signal) => ({
      items: await query<{ id: number; name: string }>(
        'SELECT p.id, p.name FROM recommendations r JOIN products p ON p.id = r.recommended_id WHERE r.product_id = $1 ORDER BY r.rank',
        [id],
      )(signal),
    });
    const result = await run(recommendationsGuard(op), requestSignal(reply.raw));
    count('recommendations', result.degraded !== undefined);
    if (result.degraded) mark(reply, result.degraded);
    return result;
  });

  type Reviews = {
    reviews: Array<{ stars: number; body: string }>;
    features: { reviews: boolean };
    degraded?: Degraded;
  };
  const reviewsGuard = guard(() => ({
    reviews: [],
    features: { reviews: false },
    degraded: { reason: 'feature-off' },
  }));
  app.get<{ Params: { id: string } }>('/products/:id/reviews', async (request, reply) => {
    const id = Number(request.params.id);
    const op: Operation<Reviews> = async (signal) => ({
      reviews: await query<{ stars: number; body: string }>(
        'SELECT stars, body FROM reviews WHERE product_id = $1 ORDER BY stars DESC',
        [id],
      )(signal),
      features: { reviews: true },
    });
    const result = await run(reviewsGuard(op), requestSignal(reply.raw));
    count('reviews', result.degraded !== undefined);
    if (result.degraded) mark(reply, result.degraded);
    return result;
  });

  app.get('/stats', async (): Promise<ServiceStats> => ({
    variant: config.variant,
    ...(config.variant === 'degrade' ? { breaker: breaker.stats() } : {}),
    seen: { ...seen },
    answered: structuredClone(answered),
  }));
  return {
    app,
    close: async () => {
      await app.close();
      await pool.end();
      redis.disconnect();
    },
  };
}

// Run as a process: listen on a free loopback port and print it for the parent (spawnTsWorker).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = buildService(JSON.parse(process.argv[2] ?? '{}') as ServiceConfig);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).host}`);
}
