// A reliable job queue on Redis lists. A job id travels ready -> (BLMOVE) -> a worker's processing
// list -> gone (ack) | ready again (retry) | dead-letter list. Every step that touches more than one
// key is a Lua script, so no crash between two commands can drop or duplicate an id.
import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { DuplicateJobError, check, redisCall, requireName, type QueueError } from './errors.ts';
import { runScript } from './scripts.ts';
import { startWorker } from './worker.ts';

export interface QueueOptions {
  /** Queue name, part of every key: 1-64 characters of [A-Za-z0-9_.-]. */
  name: string;
  /** How long a worker may hold a job before the reaper gives it to another (default 30 000 ms). */
  visibilityTimeoutMs?: number;
  /** Attempts before a job goes to the dead-letter list (default 3). */
  maxAttempts?: number;
  /** Wait before a failed job runs again; 0 = straight back to the ready list (default 0). */
  retryDelayMs?: number;
  /** How many completed job ids to keep in the completed list; 0 = none (default 1 000). */
  keepCompleted?: number;
  /**
   * Where lease deadlines, due times and the reaper's "unclaimed since" marks come from (default: the kit's
   * systemClock); tests pass a ManualClock. Only now() is read: the heartbeat period and job.signal's timer
   * run on real timers, and whether a worker is alive is judged on Redis's clock (TIME), not on this one.
   */
  clock?: Clock;
}

export interface Job<T> {
  readonly id: string;
  readonly payload: T;
  /** 1 on the first run, 2 on the first retry ... */
  readonly attempt: number;
  /** Aborted when the job's lease deadline passes: the reaper may already have handed it to another worker. */
  readonly signal: AbortSignal;
}

export type Handler<T> = (job: Job<T>) => Promise<unknown>;

export type WorkerEvent =
  | { type: 'completed'; id: string; attempt: number }
  | { type: 'failed'; id: string; attempt: number; error: string; deadLettered: boolean }
  /** The handler finished after its lease had moved on: the ack was refused, the job belongs to another run. */
  | { type: 'lost'; id: string; attempt: number }
  | { type: 'error'; error: QueueError };

export interface WorkerOptions {
  /** Names this worker's processing list (default: random). */
  id?: string;
  /** Jobs handled at once, each on its own blocking connection (default 1). */
  concurrency?: number;
  /**
   * BLMOVE timeout: how long a loop blocks before it checks whether it was closed (default 1 000 ms). A
   * wait never outlives the worker's registration: it is cut to end one heartbeat before that could expire.
   */
  blockTimeoutMs?: number;
  /**
   * Heartbeat period; the reaper also runs on every beat. The worker counts as dead 3 periods after its
   * last beat reached Redis, on Redis's clock (default 1 000 ms).
   */
  heartbeatMs?: number;
  /** Run the reaper on every heartbeat (default true). At least one process must reap. */
  reap?: boolean;
  /** Completions, failures, lost leases and errors. Errors with no listener are written to stderr. */
  onEvent?: (event: WorkerEvent) => void;
}

export interface QueueWorker {
  readonly id: string;
  /** Full Redis key name of this worker's processing list. */
  readonly processingKey: string;
  /**
   * Stops taking jobs, waits for the running ones, returns never-claimed ids to the queue. The worker's
   * registration expires on its own 3 heartbeats later, and a reaper then forgets it.
   */
  close(): Promise<void>;
}

export interface ReapResult {
  promoted: number;
  retried: number;
  deadLettered: number;
  orphansReturned: number;
}

export interface QueueStats {
  ready: number;
  delayed: number;
  inFlight: number;
  dead: number;
  enqueued: number;
  completed: number;
  retried: number;
}

export interface DeadJob<T> {
  id: string;
  payload: T;
  attempts: number;
  error: string;
}

export interface JobQueue<T> {
  readonly name: string;
  readonly keys: QueueKeys;
  /** Stores the job and makes it runnable now, or after `delayMs`. Returns its id. */
  enqueue(payload: T, options?: { id?: string; delayMs?: number }): Promise<string>;
  /** One reaper pass: due delayed jobs, expired leases, ids stranded by dead workers. */
  reap(): Promise<ReapResult>;
  stats(): Promise<QueueStats>;
  deadLetters(): Promise<Array<DeadJob<T>>>;
  /** Ids of completed jobs, newest first (up to keepCompleted). */
  completedIds(): Promise<string[]>;
  /** Starts a worker: dedicated blocking connections (redis.duplicate()) and a heartbeat. */
  work(handler: Handler<T>, options?: WorkerOptions): Promise<QueueWorker>;
}

export interface QueueKeys {
  ready: string;
  delayed: string;
  jobs: string;
  attempts: string;
  leases: string;
  deadlines: string;
  dead: string;
  errors: string;
  completed: string;
  stats: string;
  workers: string;
  /** Ids a reaper found in a live worker's list without a lease: when it first saw each. */
  unclaimed: string;
  processing(workerId: string): string;
  /** The worker's last ack/fail outcomes, by lease token: a re-sent ack or fail answers from here. */
  receipts(workerId: string): string;
  /** Set by one enqueue call once its job is stored: a re-send of that call answers from here. */
  request(token: string): string;
}

/** All keys of a queue share the {name} hash tag: one cluster slot, so the Lua scripts may touch them together. */
export function queueKeys(name: string): QueueKeys {
  requireName('name', name);
  const k = (part: string): string => `jq:{${name}}:${part}`;
  return {
    ready: k('ready'),
    delayed: k('delayed'),
    jobs: k('jobs'),
    attempts: k('attempts'),
    leases: k('leases'),
    deadlines: k('deadlines'),
    dead: k('dead'),
    errors: k('errors'),
    completed: k('completed'),
    stats: k('stats'),
    workers: k('workers'),
    unclaimed: k('unclaimed'),
    processing: (workerId) => k(`processing:${workerId}`),
    receipts: (workerId) => k(`processing:${workerId}:receipts`), // reap-10.lua derives it from the list name
    request: (token) => k(`enqueue:${token}`),
  };
}

/**
 * How long an enqueue call's request key outlives the call when its reply never arrived (a reply that
 * arrives deletes it). ioredis re-sends an unanswered command only while it still holds it: well within this.
 */
const REQUEST_TTL_MS = 24 * 3_600_000;

const isRedis = (r: unknown): r is Redis =>
  typeof r === 'object' &&
  r !== null &&
  typeof (r as Redis).evalsha === 'function' &&
  typeof (r as Redis).duplicate === 'function';

function encode(payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch {
    json = undefined;
  }
  check.kind(typeof json === 'string', 'payload', 'must be JSON-serialisable', payload);
  return json;
}

export function jobQueue<T = unknown>(redis: Redis, options: QueueOptions): JobQueue<T> {
  check.kind(isRedis(redis), 'redis', 'must be an ioredis client', redis);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with at least name',
    options,
  );
  const {
    name,
    visibilityTimeoutMs = 30_000,
    maxAttempts = 3,
    retryDelayMs = 0,
    keepCompleted = 1_000,
    clock = systemClock,
  } = options;
  const keys = queueKeys(name);
  check.positiveInt('visibilityTimeoutMs', visibilityTimeoutMs);
  check.positiveInt('maxAttempts', maxAttempts);
  check.nonNegativeInt('retryDelayMs', retryDelayMs);
  check.nonNegativeInt('keepCompleted', keepCompleted);
  check.kind(typeof clock?.now === 'function', 'clock', 'must have a now() function', clock);
  // Keys inside Lua are not prefixed by ioredis; the processing list's name travels in ARGV in full.
  const keyPrefix = redis.options.keyPrefix ?? '';

  const reap = async (): Promise<ReapResult> => {
    const r = (await redisCall(`reaping queue "${name}"`, () =>
      runScript(
        redis,
        'reap-10.lua',
        [
          keys.delayed,
          keys.deadlines,
          keys.leases,
          keys.attempts,
          keys.ready,
          keys.dead,
          keys.errors,
          keys.stats,
          keys.workers,
          keys.unclaimed,
        ],
        // An id sits unclaimed in a live worker's list for one visibility timeout before it goes back.
        [clock.now(), maxAttempts, retryDelayMs, 1_000, visibilityTimeoutMs],
      ),
    )) as number[];
    return { promoted: r[0]!, retried: r[1]!, deadLettered: r[2]!, orphansReturned: r[3]! };
  };

  const queue: JobQueue<T> = {
    name,
    keys,
    async enqueue(payload, opts = {}) {
      const json = encode(payload);
      const { id = randomUUID(), delayMs = 0 } = opts;
      requireName('id', id);
      check.nonNegativeInt('delayMs', delayMs);
      const due = delayMs > 0 ? clock.now() + delayMs : 0;
      // A token per call: if ioredis re-sends the call after a lost reply, the script recognises it.
      const request = keys.request(randomBytes(12).toString('hex'));
      const added = await redisCall(`enqueueing job "${id}" on "${name}"`, () =>
        runScript(
          redis,
          'enqueue-5.lua',
          [keys.ready, keys.delayed, keys.jobs, keys.stats, request],
          [id, json, due, REQUEST_TTL_MS],
        ),
      );
      if (added !== 1) throw new DuplicateJobError(`job "${id}" is already in queue "${name}"`);
      // We have the reply, so no re-send can follow: the request key has done its job. Not awaited (it
      // expires anyway), and a failure here is not the caller's: the job is stored.
      redis.unlink(request).catch(() => {});
      return id;
    },
    reap,
    async stats() {
      const [ready, delayed, inFlight, dead, counters] = await redisCall(`reading stats of "${name}"`, async () => {
        const res = await redis
          .multi()
          .llen(keys.ready)
          .zcard(keys.delayed)
          .zcard(keys.deadlines)
          .llen(keys.dead)
          .hgetall(keys.stats)
          .exec();
        if (!res) throw new Error('transaction aborted');
        for (const [err] of res) if (err) throw err;
        return res.map(([, v]) => v) as [number, number, number, number, Record<string, string>];
      });
      const n = (field: string): number => Number(counters[field] ?? 0);
      return {
        ready,
        delayed,
        inFlight,
        dead,
        enqueued: n('enqueued'),
        completed: n('completed'),
        retried: n('retried'),
      };
    },
    async deadLetters() {
      return redisCall(`reading dead letters of "${name}"`, async () => {
        const ids = await redis.lrange(keys.dead, 0, -1);
        if (ids.length === 0) return [];
        const [payloads, attempts, errors] = await Promise.all([
          redis.hmget(keys.jobs, ...ids),
          redis.hmget(keys.attempts, ...ids),
          redis.hmget(keys.errors, ...ids),
        ]);
        return ids.map((id, i) => ({
          id,
          payload: JSON.parse(payloads[i] ?? 'null') as T,
          attempts: Number(attempts[i] ?? 0),
          error: errors[i] ?? '',
        }));
      });
    },
    completedIds: () => redisCall(`reading completed ids of "${name}"`, () => redis.lrange(keys.completed, 0, -1)),
    work: (handler, workerOptions = {}) =>
      startWorker(redis, queue, handler, workerOptions, {
        keyPrefix,
        visibilityTimeoutMs,
        maxAttempts,
        retryDelayMs,
        keepCompleted,
        clock,
      }),
  };
  return queue;
}
