// A cacheable HTTP resource around any loader: every 200 carries the resource's validators (ETag from a
// row version, Last-Modified) and the route's Cache-Control; a conditional GET whose validator still
// matches is answered 304 from the validators alone (a cheap read), without loading or sending the body.
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { evaluatePreconditions, httpDate, type ConditionalHeaders, type Validators } from './conditional.ts';
import { check, isHttpCachingError } from './errors.ts';
import { cacheControl, type CachePolicy } from './policy.ts';

/** The shared shape of the caching POCs: reads one value by key, passing the caller's signal on. */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

/** A value with the validators of its current version. */
export interface Entity<V> extends Validators {
  value: V;
}

export interface CachedResourceOptions<V> {
  /** Reads the value and its validators; null when there is no such resource (404). */
  load: Loader<Entity<V> | null>;
  /**
   * Reads only the validators (a version column, not the row): what a conditional request needs to be
   * answered 304. Without it, a conditional request loads the whole entity to compare.
   */
  validators?: Loader<Validators | null>;
  /** Cache-Control of every 200 and 304. */
  policy: CachePolicy;
}

export interface ResourceReply<V> {
  status: 200 | 304 | 404;
  headers: Record<string, string>;
  /** The value, on a 200 only. */
  body?: V;
  /** What was read to answer: the whole entity, or its validators only. */
  read: 'entity' | 'validators';
}

export interface GetOptions {
  /** The request's conditional headers (If-None-Match, If-Modified-Since). */
  headers?: ConditionalHeaders;
  signal?: AbortSignal;
}

export interface CachedResource<V> {
  /** The Cache-Control value this resource sends. */
  readonly cacheControl: string;
  /** Answers a GET of `key`: 304 when the request's validator matches, otherwise 200 (or 404). */
  get(key: string, options?: GetOptions): Promise<ResourceReply<V>>;
}

/** A resource served with validators and a Cache-Control policy. Options are checked first. */
export function cachedResource<V>(options: CachedResourceOptions<V>): CachedResource<V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.load', options.load);
  if (options.validators !== undefined) check.fn('options.validators', options.validators);
  const control = cacheControl(options.policy, 'options.policy');
  const { load, validators } = options;

  const headersOf = (v: Validators): Record<string, string> => ({
    'cache-control': control,
    etag: v.etag,
    ...(v.lastModified ? { 'last-modified': httpDate(v.lastModified) } : {}),
  });
  const notFound: ResourceReply<V> = { status: 404, headers: { 'cache-control': 'no-store' }, read: 'entity' };

  return {
    cacheControl: control,
    async get(key, { headers = {}, signal } = {}) {
      check.name('key', key);
      check.signal('signal', signal);
      const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
      if (conditional && validators) {
        // Revalidation: the validators alone decide; the body is read only when it changed.
        const current = await validators(key, signal);
        if (!current) return notFound;
        if (evaluatePreconditions(headers, current) === 'not-modified')
          return { status: 304, headers: headersOf(current), read: 'validators' };
      }
      const entity = await load(key, signal);
      if (!entity) return notFound;
      if (conditional && !validators && evaluatePreconditions(headers, entity) === 'not-modified')
        return { status: 304, headers: headersOf(entity), read: 'entity' };
      return { status: 200, headers: headersOf(entity), body: entity.value, read: 'entity' };
    },
  };
}

/**
 * A fastify handler serving `resource` at the key `keyOf(request)` picks. A 304 has the validators and
 * Cache-Control but no body; a failed service (a ServiceError) is a 503 that no cache stores.
 */
export function cachedRoute<V>(
  resource: CachedResource<V>,
  keyOf: (request: FastifyRequest) => string,
): RouteHandlerMethod {
  check.kind(typeof resource?.get === 'function', 'resource', 'must be a CachedResource', resource);
  check.fn('keyOf', keyOf);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const aborted = new AbortController(); // the client went away: stop reading for it
    reply.raw.once('close', () => aborted.abort());
    try {
      const r = await resource.get(keyOf(request), {
        headers: request.headers as ConditionalHeaders,
        signal: aborted.signal,
      });
      reply.code(r.status).headers(r.headers);
      return r.status === 200 ? r.body : r.status === 404 ? { error: 'not found' } : reply.send();
    } catch (e) {
      if (!isHttpCachingError(e, 'service')) throw e;
      reply.code(503).header('cache-control', 'no-store');
      return { error: e.message };
    }
  };
}
