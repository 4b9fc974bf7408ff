// The HTTP layer: fastify routes over the catalogue, a per-client rate limit and cache-aside. The limiter
// and the cache are objects the caller builds (from poc-redis-rate-limit and poc-redis-kv-cache, see
// server.ts); createApp only wires them in. Every error leaves as RFC 9457 problem details.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { isCacheError, type CacheAside } from 'poc-redis-kv-cache';
import { isRateLimitError, type RateLimiter } from 'poc-redis-rate-limit';
import { listProducts, loadProduct, updateProduct, type Product, type ProductSummary } from './catalog.ts';
import { check } from './errors.ts';

/** What the app needs of a limiter: a RateLimiter of poc-redis-rate-limit has it. */
export type AppLimiter = Pick<RateLimiter, 'consume' | 'windowMs'>;

/** What the app caches: a product under "product:<id>" (null: there is none), a category page under "list:...". */
export type CachedValue = Product | ProductSummary[] | null;

export interface AppOptions {
  pool: pg.Pool;
  /**
   * Admits or denies each request of a client (see clientKey). For one limit across N instances, a limiter
   * on the Redis they share: `slidingWindowCounter({ redis, limit, windowMs })` of poc-redis-rate-limit.
   */
  limiter: AppLimiter;
  /**
   * Cache-aside for products and category pages: `cacheAside<CachedValue>({ redis, ttlMs, keyPrefix: 'api:' })`
   * of poc-redis-kv-cache. false turns the cache off: every read goes to PostgreSQL (the bench's baseline).
   */
  cache: CacheAside<CachedValue> | false;
  /** The Redis every instance shares: a category's cached pages are keyed by a generation number kept here. */
  redis: Redis;
  /** Sent back in X-Instance, so a client (or a test) can see which instance served it. */
  instanceId: string;
}

interface Problem {
  status: number;
  slug: string;
  title: string;
  detail: string;
  extra?: Record<string, unknown>;
}

/** Thrown by handlers for a 4xx/5xx; the error handler turns it into application/problem+json. */
class HttpProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
  }
}

const invalidParam = (name: string, reason: string): HttpProblem =>
  new HttpProblem({
    status: 400,
    slug: 'invalid-parameter',
    title: 'Invalid request parameter',
    detail: `${name} ${reason}`,
    extra: { invalidParams: [{ name, reason }] },
  });

function sendProblem(req: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({
      type: `/problems/${p.slug}`,
      title: p.title,
      status: p.status,
      detail: p.detail,
      instance: req.url,
      ...p.extra,
    });
}

// --- input parsing: each rule names the parameter and says why -----------------------------------
const MAX_ID = 2_147_483_647;
function parseId(raw: string): number {
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > MAX_ID)
    throw invalidParam('id', `must be an integer from 1 to ${MAX_ID} (got "${raw}")`);
  return Number(raw);
}

function parseListQuery(q: Record<string, unknown>): { category: string; limit: number } {
  for (const k of Object.keys(q))
    if (k !== 'category' && k !== 'limit')
      throw invalidParam(k, 'is not a known query parameter (use category and limit)');
  const { category, limit = '20' } = q;
  if (typeof category !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(category)) {
    throw invalidParam(
      'category',
      `is required: 1-32 lowercase letters, digits or dashes (got ${typeof category === 'string' ? `"${category}"` : 'none'})`,
    );
  }
  if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 100) {
    throw invalidParam(
      'limit',
      `must be an integer from 1 to 100 (got ${typeof limit === 'string' ? `"${limit}"` : 'several values'})`,
    );
  }
  return { category, limit: Number(limit) };
}

function parseChange(body: unknown): { priceCents?: number; stock?: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidParam('body', 'must be a JSON object { priceCents?, stock? }');
  const change: { priceCents?: number; stock?: number } = {};
  for (const [k, v] of Object.entries(body)) {
    if (k !== 'priceCents' && k !== 'stock')
      throw invalidParam(k, 'is not a field that can be updated (use priceCents and stock)');
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > MAX_ID)
      throw invalidParam(k, `must be an integer from 0 to ${MAX_ID} (got ${JSON.stringify(v)})`);
    change[k] = v as number;
  }
  if (Object.keys(change).length === 0) throw invalidParam('body', 'must set priceCents, stock or both');
  return change;
}

/**
 * The client a limit applies to: X-Client-Id if sent, else the address nginx saw (X-Real-IP, which
 * nginx overwrites, rather than X-Forwarded-For, whose first entries the client can write), else the socket.
 */
export function clientKey(req: FastifyRequest): string {
  const id = req.headers['x-client-id'];
  if (typeof id === 'string' && id.length > 0 && id.length <= 128) return `id:${id}`;
  const realIp = req.headers['x-real-ip'];
  if (typeof realIp === 'string' && realIp.length > 0) return `ip:${realIp}`;
  const xff = req.headers['x-forwarded-for'];
  const last = typeof xff === 'string' ? xff.split(',').at(-1)?.trim() : undefined;
  return `ip:${last || req.ip}`;
}

/** True for an object whose listed properties are all functions (a client, a limiter, a cache). */
const hasMethods = (v: unknown, ...names: string[]): boolean =>
  typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

function checkOptions(o: AppOptions): void {
  check.kind(
    typeof o === 'object' && o !== null,
    'options',
    'must be an object { pool, limiter, cache, redis, instanceId }',
    o,
  );
  check.kind(hasMethods(o.pool, 'query'), 'pool', 'must be a pg.Pool', o.pool);
  check.that(
    hasMethods(o.limiter, 'consume') && Number.isSafeInteger(o.limiter.windowMs) && o.limiter.windowMs > 0,
    'limiter',
    'must be a rate limiter with consume(key) and windowMs (e.g. slidingWindowCounter() of poc-redis-rate-limit)',
    o.limiter,
  );
  check.that(
    o.cache === false || hasMethods(o.cache, 'read', 'invalidate'),
    'cache',
    'must be false or a cache with read(key, loader) and invalidate(key) (e.g. cacheAside() of poc-redis-kv-cache)',
    o.cache,
  );
  check.kind(hasMethods(o.redis, 'get', 'incr'), 'redis', 'must be an ioredis client', o.redis);
  check.that(
    typeof o.instanceId === 'string' && /^[\w.-]{1,64}$/.test(o.instanceId),
    'instanceId',
    'must be 1-64 letters, digits, ".", "_" or "-"',
    o.instanceId,
  );
}

/** Builds the API (no listen, no connection opened): the caller owns pool, redis, limiter, cache and the lifecycle. */
export function createApp(options: AppOptions): FastifyInstance {
  checkOptions(options);
  const { pool, redis, limiter, cache, instanceId } = options;
  // A category page holds many products; rather than find every cached page a PUT touches, a PUT bumps
  // the category's generation and pages are cached under it (the old ones age out with their TTL).
  const generationKey = (category: string): string => `api:list-generation:${category}`;
  const windowS = Math.ceil(limiter.windowMs / 1000);

  const app = Fastify({ logger: false });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Instance', instanceId);
    if (req.url === '/health') return;
    const r = await limiter.consume(clientKey(req));
    reply.header('RateLimit-Policy', `${r.limit};w=${windowS}`);
    reply.header('RateLimit-Limit', r.limit);
    reply.header('RateLimit-Remaining', r.remaining);
    reply.header('RateLimit-Reset', Math.ceil(r.resetMs / 1000));
    if (!r.allowed) {
      const retryAfterS = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      reply.header('Retry-After', retryAfterS);
      return sendProblem(req, reply, {
        status: 429,
        slug: 'rate-limited',
        title: 'Too many requests',
        detail: `this client may make ${r.limit} requests per ${windowS} s; retry in ${retryAfterS} s`,
      });
    }
  });

  /** Reads through the cache when there is one; says where the value came from in X-Cache. */
  async function cached<T extends CachedValue>(key: string, load: () => Promise<T>, reply: FastifyReply): Promise<T> {
    if (!cache) {
      reply.header('X-Cache', 'off');
      return load();
    }
    const { value, outcome } = await cache.read(key, load);
    reply.header('X-Cache', outcome);
    return value as T; // a key's prefix says what it holds: "product:" a Product or null, "list:" a page
  }

  app.get('/health', async () => ({ status: 'ok', instance: instanceId }));

  app.get<{ Params: { id: string } }>('/products/:id', async (req, reply) => {
    const id = parseId(req.params.id);
    const product = await cached(`product:${id}`, () => loadProduct(pool, id), reply);
    if (!product)
      throw new HttpProblem({
        status: 404,
        slug: 'not-found',
        title: 'Product not found',
        detail: `there is no product with id ${id}`,
      });
    return product;
  });

  app.get('/products', async (req, reply) => {
    const { category, limit } = parseListQuery(req.query as Record<string, unknown>);
    const generation = cache ? ((await redis.get(generationKey(category))) ?? '0') : '0';
    const items = await cached(
      `list:${category}:g${generation}:l${limit}`,
      () => listProducts(pool, category, limit),
      reply,
    );
    return { category, limit, items };
  });

  app.put<{ Params: { id: string } }>('/products/:id', async (req, reply) => {
    const id = parseId(req.params.id);
    const change = parseChange(req.body);
    const updated = await updateProduct(pool, id, change);
    if (!updated)
      throw new HttpProblem({
        status: 404,
        slug: 'not-found',
        title: 'Product not found',
        detail: `there is no product with id ${id}`,
      });
    // After the commit: drop the product's entry and move the category's pages to a new generation.
    if (cache) {
      await cache.invalidate(`product:${id}`);
      await redis.incr(generationKey(updated.category));
    }
    const product = await loadProduct(pool, id);
    reply.header('X-Cache', cache ? 'invalidated' : 'off');
    return product;
  });

  app.setNotFoundHandler((req, reply) =>
    sendProblem(req, reply, {
      status: 404,
      slug: 'not-found',
      title: 'Not found',
      detail: `no route for ${req.method} ${req.url.split('?')[0]}`,
    }),
  );

  app.setErrorHandler((error: FastifyError | HttpProblem, req, reply) => {
    if (error instanceof HttpProblem) return sendProblem(req, reply, error.problem);
    if (isRateLimitError(error, 'service') || isCacheError(error, 'service')) {
      return sendProblem(req, reply, {
        status: 503,
        slug: 'dependency-unavailable',
        title: 'Redis unavailable',
        detail: error.message,
      });
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // fastify's own 4xx: malformed JSON, unsupported content type, body too large ...
      return sendProblem(req, reply, { status, slug: 'bad-request', title: 'Bad request', detail: error.message });
    }
    req.log.error(error);
    return sendProblem(req, reply, {
      status: 500,
      slug: 'internal',
      title: 'Internal error',
      detail: `the request failed: ${error.message}`,
    });
  });

  return app;
}
