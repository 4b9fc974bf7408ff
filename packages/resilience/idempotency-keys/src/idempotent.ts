// Idempotency keys for a fastify route, on PostgreSQL: a POST retried with the same `Idempotency-Key`
// header runs its handler once; the stored response (status, headers, body) is replayed to every later
// duplicate with the same request fingerprint, a different request under the same key gets 422, a
// duplicate that arrives while the first is still running gets 409, and a route without a key gets 400
// (the IETF draft "The Idempotency-Key HTTP Header Field"). The handler's writes and the key's row commit
// in ONE transaction, so a server killed between them leaves neither: the client's retry runs it once.
import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';

/** What a handler answers; stored as is and replayed for duplicates. */
export interface StoredResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * The route's work. `db` is the transaction the key's row commits in: write the side effect through it
 * (never through another connection), or a crash can keep one without the other.
 */
export type IdempotentHandler = (
  request: FastifyRequest,
  db: pg.ClientBase,
  signal: AbortSignal,
) => Promise<StoredResponse>;

/** A fastify route handler, as `app.post(path, route)` takes it. */
export type IdempotentRoute = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface IdempotentOptions {
  /** Where keys live; each request takes one connection for its transaction. */
  pool: pg.Pool;
  /** How long a key and its stored response are kept; after that the key is purged and may be reused. */
  ttlMs: number;
  /** Time as the keys see it (default systemClock): expiry is stored as epoch ms from this clock. */
  clock?: Clock;
  /** The request's identity under a key (default: sha256 of method, URL and JSON body). */
  fingerprint?: (request: FastifyRequest) => string;
  /** Table of keys (default "idempotency_keys"); a plain lower-case SQL identifier. */
  table?: string;
}

export interface Idempotent {
  readonly table: string;
  /** Creates the table of keys if it is missing. */
  setup(signal?: AbortSignal): Promise<void>;
  /** Wraps `handler` into a route that requires an Idempotency-Key. */
  route(handler: IdempotentHandler): IdempotentRoute;
  /** Deletes every expired key (by the clock); returns how many. Expired keys are also reused on sight. */
  purge(signal?: AbortSignal): Promise<number>;
}

/** The header the draft names (fastify lower-cases header names). */
export const HEADER = 'idempotency-key';
/** Set on every replayed response, so a client (and a test) can tell a replay from a first execution. */
export const REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_KEY_LENGTH = 255;

/** sha256 of method, URL and body: the same key with another of these is "a different request" (422). */
export const defaultFingerprint = (request: FastifyRequest): string =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');

/** Checked options, shared with the naive variants (src/naive.ts). */
export interface Context {
  readonly pool: pg.Pool;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly fingerprint: (request: FastifyRequest) => string;
  readonly table: string;
}

export function createContext(options: IdempotentOptions): Context {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.kind(hasMethods(options.pool, 'query', 'connect'), 'options.pool', 'must be a pg.Pool', options.pool);
  check.positiveInt('options.ttlMs', options.ttlMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const fingerprint = options.fingerprint ?? defaultFingerprint;
  check.fn('options.fingerprint', fingerprint);
  const table = options.table ?? 'idempotency_keys';
  check.that(
    typeof table === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(table),
    'options.table',
    'must be a lower-case SQL identifier',
    table,
  );
  return { pool: options.pool, ttlMs: options.ttlMs, clock, fingerprint, table };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** The table: the key, the request's fingerprint, the response to replay, and when the key expires. */
export const createTableSql = (table: string): string => `
  CREATE TABLE IF NOT EXISTS ${table} (
    key         text PRIMARY KEY,
    fingerprint text NOT NULL,
    status      int NOT NULL,
    headers     jsonb NOT NULL,
    body        jsonb,
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL
  )`;

/** The key as the draft wants it: present, non-empty, bounded. Returns the problem, or undefined. */
export function keyProblem(key: unknown): string | undefined {
  if (key === undefined) return `the ${HEADER} header is required on this route`;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH)
    return `the ${HEADER} header must be one value of 1 to ${MAX_KEY_LENGTH} characters`;
  return undefined;
}

/** A signal that aborts when the client goes away before its answer is sent. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

export const send = (reply: FastifyReply, response: StoredResponse, extra: Record<string, string> = {}): FastifyReply =>
  reply
    .code(response.status)
    .headers({ ...response.headers, ...extra })
    .send(response.body);

const problem = (reply: FastifyReply, status: number, error: string): FastifyReply =>
  reply.code(status).send({ error });

/** Idempotency keys on `options.pool`; every option is checked first (an ArgumentError names it). */
export function idempotent(options: IdempotentOptions): Idempotent {
  const context = createContext(options);
  const { pool, table, clock, ttlMs } = context;
  return {
    table,
    async setup(signal) {
      check.signal('signal', signal);
      signal?.throwIfAborted();
      await postgresCall(`creating table ${table}`, () => pool.query(createTableSql(table)));
    },
    async purge(signal) {
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const res = await postgresCall(`purging expired keys of ${table}`, () =>
        pool.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [clock.now()]),
      );
      return res.rowCount ?? 0;
    },
    route(handler) {
      check.fn('handler', handler);
      return async (request, reply) => {
        const key = request.headers[HEADER];
        const bad = keyProblem(key);
        if (bad) return problem(reply, 400, bad);
        const fingerprint = context.fingerprint(request);
        const signal = clientGone(reply);
        const outcome = await postgresCall(`handling ${HEADER} "${key as string}"`, () =>
          inTransaction(pool, signal, async (db) => {
            const now = clock.now();
            const lookup = async () =>
              (
                await db.query<{ fingerprint: string; status: number; headers: Record<string, string>; body: unknown }>(
                  `SELECT fingerprint, status, headers, body FROM ${table} WHERE key = $1 AND expires_at > $2`,
                  [key, now],
                )
              ).rows[0];
            // A stored response needs no lock: concurrent replays of one key never wait for each other.
            const seen = await lookup();
            if (seen) return { kind: 'stored', stored: seen } as const;
            // In progress = a transaction holds the key's advisory lock. It dies with the connection, so a
            // crashed server leaves no "processing" row behind that would answer 409 forever.
            const lock = await db.query<{ ok: boolean }>(
              'SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS ok',
              [table, key],
            );
            if (!lock.rows[0]!.ok) return { kind: 'in-progress' } as const;
            // Looked up again under the lock: the previous holder may have committed since the first look.
            const stored = await lookup();
            if (stored) return { kind: 'stored', stored } as const;
            signal.throwIfAborted();
            const response = await handler(request, db, signal);
            signal.throwIfAborted();
            // An expired row under this key is replaced: the key is free again once its TTL is over.
            await db.query(
              `INSERT INTO ${table} (key, fingerprint, status, headers, body, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
                 headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = EXCLUDED.created_at,
                 expires_at = EXCLUDED.expires_at`,
              [
                key,
                fingerprint,
                response.status,
                JSON.stringify(response.headers ?? {}),
                JSON.stringify(response.body ?? null),
                now,
                now + ttlMs,
              ],
            );
            return { kind: 'executed', response } as const;
          }),
        );
        switch (outcome.kind) {
          case 'in-progress':
            return problem(reply, 409, `a request with this ${HEADER} is still being processed; retry later`);
          case 'stored':
            if (outcome.stored.fingerprint !== fingerprint)
              return problem(reply, 422, `this ${HEADER} was used for a different request`);
            return send(reply, outcome.stored, { [REPLAYED_HEADER]: 'true' });
          case 'executed':
            return send(reply, outcome.response);
        }
      };
    },
  };
}

/** BEGIN … COMMIT on one connection; any error (or the signal) rolls back, and a broken connection is discarded. */
export async function inTransaction<T>(
  pool: pg.Pool,
  signal: AbortSignal | undefined,
  work: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
    await db.query('BEGIN');
    const result = await work(db);
    signal?.throwIfAborted();
    await db.query('COMMIT');
    return result;
  } catch (e) {
    await db.query('ROLLBACK').catch((rollback: unknown) => {
      broken = rollback instanceof Error ? rollback : new Error(String(rollback));
    });
    throw e;
  } finally {
    db.release(broken);
  }
}
