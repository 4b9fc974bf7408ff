// Load shedding at the edge of a fastify app: every request of the scope the hooks are registered in takes
// a slot of the admission before its handler runs and gives it back when the response is sent (or the
// client goes away). A request the admission sheds is answered at once with 503 and a Retry-After header
// (whole seconds, rounded up, at least 1) from the admission's estimate; nothing of it is kept.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Admission, Release } from './admission.ts';
import { check, isBackpressureError } from './errors.ts';

export interface SheddingOptions {
  /** Body of the 503 answer (default `{ error: 'overloaded', retryAfterSeconds }`). */
  body?: (retryAfterSeconds: number) => unknown;
}

/** Whole seconds for a Retry-After header: rounded up, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Registers the hooks on `app` (a scope: register them inside a plugin to shed only that plugin's routes).
 * Every argument is checked first.
 */
export function shedLoad(app: FastifyInstance, admission: Admission, options: SheddingOptions = {}): void {
  check.kind(hasMethods(app, 'addHook', 'route'), 'app', 'must be a fastify instance', app);
  check.kind(hasMethods(admission, 'enter', 'retryAfterMs', 'stats'), 'admission', 'must be an Admission', admission);
  check.options('options', options);
  const body = options.body ?? ((s: number) => ({ error: 'overloaded', retryAfterSeconds: s }));
  check.fn('options.body', body);
  const held = new WeakMap<FastifyRequest, { release?: Release; abort: AbortController }>();
  const release = (request: FastifyRequest): void => {
    const entry = held.get(request);
    if (!entry) return;
    entry.abort.abort(); // a request still queued leaves the queue
    entry.release?.();
    held.delete(request);
  };

  app.addHook('onRequest', async (request, reply) => {
    const entry: { release?: Release; abort: AbortController } = { abort: new AbortController() };
    held.set(request, entry);
    try {
      entry.release = await admission.enter(entry.abort.signal);
    } catch (error) {
      held.delete(request);
      if (!isBackpressureError(error, 'overloaded')) throw error;
      const seconds = retryAfterSeconds(error.retryAfterMs);
      return reply.code(503).header('retry-after', String(seconds)).send(body(seconds));
    }
    return undefined;
  });
  app.addHook('onResponse', async (request) => release(request));
  app.addHook('onRequestAbort', async (request) => release(request));
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
