// A reliable job queue on Redis lists. A job id travels ready -> (BLMOVE) -> a worker's processing
// list -> gone (ack) | ready again (retry) | dead-letter list. Every step that touches more than one
// key is a Lua script, so no crash between two commands can drop or duplicate an id.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { DuplicateJobError, QueueServiceError, check, redisCall, requireName, type QueueError } from './errors.ts';
import { runScript } from './scripts.ts';

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
   * Where deadlines, due times and heartbeat expiries come from (default: the kit's systemClock); tests pass
   * a ManualClock. Only now() is read: the heartbeat period and job.signal's timer run on real timers.
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
  /** BLMOVE timeout: how long a loop blocks before it checks whether it was closed (default 1 000 ms). */
  blockTimeoutMs?: number;
  /** Heartbeat period; the reaper also runs on every beat. The worker counts as dead after 3 missed beats (default 1 000 ms). */
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
  /** Stops taking jobs, waits for the running ones, returns never-started ids to the queue. */
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
  processing(workerId: string): string;
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
    processing: (workerId) => k(`processing:${workerId}`),
  };
}

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
        'reap-9.lua',
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
        ],
        [clock.now(), maxAttempts, retryDelayMs, 1_000],
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
      const added = await redisCall(`enqueueing job "${id}" on "${name}"`, () =>
        runScript(redis, 'enqueue-4.lua', [keys.ready, keys.delayed, keys.jobs, keys.stats], [id, json, due]),
      );
      if (added !== 1) throw new DuplicateJobError(`job "${id}" is already in queue "${name}"`);
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

interface Settings {
  keyPrefix: string;
  visibilityTimeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  keepCompleted: number;
  clock: Clock;
}

async function startWorker<T>(
  redis: Redis,
  queue: JobQueue<T>,
  handler: Handler<T>,
  options: WorkerOptions,
  s: Settings,
): Promise<QueueWorker> {
  check.kind(typeof handler === 'function', 'handler', 'must be a function (job) => Promise', handler);
  check.options('options', options);
  const {
    id = randomBytes(6).toString('hex'),
    concurrency = 1,
    blockTimeoutMs = 1_000,
    heartbeatMs = 1_000,
    reap = true,
    onEvent,
  } = options;
  requireName('id', id);
  check.positiveInt('concurrency', concurrency);
  check.positiveInt('blockTimeoutMs', blockTimeoutMs);
  check.positiveInt('heartbeatMs', heartbeatMs);
  if (onEvent !== undefined) check.fn('onEvent', onEvent);
  const { keys } = queue;
  const processing = keys.processing(id);
  const processingKey = s.keyPrefix + processing;
  const emit = (event: WorkerEvent): void => {
    if (onEvent) onEvent(event);
    else if (event.type === 'error') console.error(`[job-queue ${queue.name}/${id}] ${event.error.message}`);
  };

  const heartbeat = (score: number): Promise<unknown> =>
    redisCall(`heartbeat of worker "${id}"`, () => redis.zadd(keys.workers, score, processingKey));
  await heartbeat(s.clock.now() + 3 * heartbeatMs); // registered before the first BLMOVE can strand an id

  let stopped = false;
  const beat = setInterval(() => {
    void (async () => {
      await heartbeat(s.clock.now() + 3 * heartbeatMs);
      if (reap) await queue.reap();
    })().catch((e: QueueError) => emit({ type: 'error', error: e }));
  }, heartbeatMs);

  async function runOne(jobId: string): Promise<void> {
    const token = randomBytes(16).toString('hex');
    const claimed = (await redisCall(`claiming job "${jobId}"`, () =>
      runScript(
        redis,
        'claim-4.lua',
        [keys.jobs, keys.attempts, keys.leases, keys.deadlines],
        [jobId, token, processingKey, s.clock.now() + s.visibilityTimeoutMs],
      ),
    )) as [string, number] | null;
    if (!claimed) return;
    const [json, attempt] = claimed;
    const expired = new AbortController();
    const timer = setTimeout(() => expired.abort(new Error(`lease of job "${jobId}" expired`)), s.visibilityTimeoutMs);
    let failure: string | undefined;
    try {
      await handler({ id: jobId, payload: JSON.parse(json) as T, attempt, signal: expired.signal });
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
    }
    if (failure === undefined) {
      const acked = await redisCall(`acknowledging job "${jobId}"`, () =>
        runScript(
          redis,
          'ack-7.lua',
          [keys.leases, keys.deadlines, keys.jobs, keys.attempts, keys.completed, keys.stats, keys.errors],
          [jobId, token, s.keepCompleted],
        ),
      );
      emit(acked === 1 ? { type: 'completed', id: jobId, attempt } : { type: 'lost', id: jobId, attempt });
      return;
    }
    const outcome = await redisCall(`failing job "${jobId}"`, () =>
      runScript(
        redis,
        'fail-8.lua',
        [keys.leases, keys.deadlines, keys.attempts, keys.ready, keys.delayed, keys.dead, keys.errors, keys.stats],
        [jobId, token, failure, s.maxAttempts, s.clock.now(), s.retryDelayMs],
      ),
    );
    emit(
      outcome === 0
        ? { type: 'lost', id: jobId, attempt }
        : { type: 'failed', id: jobId, attempt, error: failure, deadLettered: outcome === 2 },
    );
  }

  // One loop per slot, each blocking on its own connection: a BLMOVE ties up its connection until a
  // job arrives, so it must never share one with the scripts above.
  const blockers: Redis[] = [];
  const loop = async (blocking: Redis): Promise<void> => {
    while (!stopped) {
      let jobId: string | null;
      try {
        jobId = await blocking.blmove(keys.ready, processing, 'RIGHT', 'LEFT', blockTimeoutMs / 1_000);
      } catch (e) {
        if (stopped) return;
        emit({
          type: 'error',
          error: new QueueServiceError(`waiting for jobs on "${queue.name}" failed: ${(e as Error).message}`, {
            cause: e,
          }),
        });
        await sleep(Math.min(blockTimeoutMs, 1_000));
        continue;
      }
      if (jobId === null) continue;
      try {
        await runOne(jobId);
      } catch (e) {
        // The id stays in this worker's list with its lease; the reaper retries it after the deadline.
        emit({ type: 'error', error: e as QueueError });
      }
    }
  };
  const loops = Array.from({ length: concurrency }, () => {
    const blocking = redis.duplicate();
    blocking.on('error', () => {}); // reported through the failed BLMOVE above, not as an unhandled event
    blockers.push(blocking);
    return loop(blocking);
  });

  let closing: Promise<void> | undefined;
  return {
    id,
    processingKey,
    close() {
      closing ??= (async () => {
        stopped = true;
        clearInterval(beat);
        for (const b of blockers) b.disconnect(); // interrupts a pending BLMOVE
        await Promise.all(loops);
        // A BLMOVE answered just before the disconnect may have left an unclaimed id in our list:
        // mark this worker dead and let the reaper hand such ids back.
        await heartbeat(0);
        await queue.reap();
      })();
      return closing;
    },
  };
}
