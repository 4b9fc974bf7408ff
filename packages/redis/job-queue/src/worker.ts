// A worker of the job queue: each slot blocks in BLMOVE on a connection of its own, claims what it
// moved, runs the handler and acks or fails the job. A heartbeat keeps the worker's processing list
// registered (on Redis's clock) so that a reaper sweeps it, and no BLMOVE may outlive that registration.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { QueueServiceError, check, isQueueError, redisCall, requireName, type QueueError } from './errors.ts';
import type { Handler, JobQueue, QueueWorker, WorkerEvent, WorkerOptions } from './queue.ts';
import { runScript } from './scripts.ts';

export interface WorkerSettings {
  keyPrefix: string;
  visibilityTimeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  keepCompleted: number;
  clock: Clock;
}

export async function startWorker<T>(
  redis: Redis,
  queue: JobQueue<T>,
  handler: Handler<T>,
  options: WorkerOptions,
  s: WorkerSettings,
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
  const receipts = keys.receipts(id);
  // Each slot has at most one ack or fail in flight, so a re-sent one finds its receipt among these.
  const keepReceipts = concurrency + 16;
  const emit = (event: WorkerEvent): void => {
    if (onEvent) onEvent(event);
    else if (event.type === 'error') console.error(`[job-queue ${queue.name}/${id}] ${event.error.message}`);
  };

  // The registration holds until 3 beats after the last one reached Redis (on Redis's clock). Locally we
  // only know a lower bound: when the beat was sent plus 3 beats, on this process's monotonic clock.
  let registeredUntil = 0;
  const register = async (): Promise<void> => {
    const sentAt = performance.now();
    await redisCall(`heartbeat of worker "${id}"`, () =>
      runScript(redis, 'heartbeat-1.lua', [keys.workers], [processingKey, 3 * heartbeatMs]),
    );
    registeredUntil = Math.max(registeredUntil, sentAt + 3 * heartbeatMs);
  };
  await register(); // registered before the first BLMOVE can move an id into the list

  let stopped = false;
  const stopping = new AbortController();
  const beat = setInterval(() => {
    void (async () => {
      await register();
      if (reap) await queue.reap();
    })().catch((e: QueueError) => emit({ type: 'error', error: e }));
  }, heartbeatMs);

  // A reaper stops sweeping a list once its registration expired (and the list is empty). So a BLMOVE
  // must be over before then: it may block until one beat before the registration could expire (the
  // beat of margin covers the command's way to the server), and a registration that old is renewed first.
  const blockFor = async (): Promise<number> => {
    const left = (): number => Math.min(blockTimeoutMs, Math.floor(registeredUntil - heartbeatMs - performance.now()));
    if (left() < 1) await register();
    return left();
  };

  async function runOne(jobId: string): Promise<void> {
    const token = randomBytes(16).toString('hex');
    const claimed = (await redisCall(`claiming job "${jobId}"`, () =>
      runScript(
        redis,
        'claim-5.lua',
        [keys.jobs, keys.attempts, keys.leases, keys.deadlines, keys.unclaimed],
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
          'ack-8.lua',
          [keys.leases, keys.deadlines, keys.jobs, keys.attempts, keys.completed, keys.stats, keys.errors, receipts],
          [jobId, token, s.keepCompleted, keepReceipts],
        ),
      );
      emit(acked === 1 ? { type: 'completed', id: jobId, attempt } : { type: 'lost', id: jobId, attempt });
      return;
    }
    const outcome = await redisCall(`failing job "${jobId}"`, () =>
      runScript(
        redis,
        'fail-9.lua',
        [
          keys.leases,
          keys.deadlines,
          keys.attempts,
          keys.ready,
          keys.delayed,
          keys.dead,
          keys.errors,
          keys.stats,
          receipts,
        ],
        [jobId, token, failure, s.maxAttempts, s.clock.now(), s.retryDelayMs, keepReceipts],
      ),
    );
    emit(
      outcome === 0
        ? { type: 'lost', id: jobId, attempt }
        : { type: 'failed', id: jobId, attempt, error: failure, deadLettered: outcome === 2 },
    );
  }

  // One loop per slot, each blocking on its own connection: a BLMOVE ties up its connection until a
  // job arrives, so it must never share one with the scripts above. That connection never reconnects
  // or re-sends by itself (ioredis would re-send a BLMOVE whose reply was lost, at a time this loop did
  // not choose and with the moved id's reply gone); the loop reconnects it and decides every BLMOVE.
  const blockers: Redis[] = [];
  const pause = (): Promise<unknown> =>
    sleep(Math.min(blockTimeoutMs, 1_000), undefined, { signal: stopping.signal }).catch(() => {});
  const loop = async (blocking: Redis): Promise<void> => {
    while (!stopped) {
      let jobId: string | null;
      try {
        if (blocking.status !== 'ready') await blocking.connect();
        const waitMs = await blockFor();
        if (stopped) return;
        if (waitMs < 1) continue; // the heartbeat took longer than two beats: renew it again
        jobId = await blocking.blmove(keys.ready, processing, 'RIGHT', 'LEFT', waitMs / 1_000);
      } catch (e) {
        if (stopped) return;
        const error = isQueueError(e)
          ? e
          : new QueueServiceError(`waiting for jobs on "${queue.name}" failed: ${(e as Error).message}`, { cause: e });
        emit({ type: 'error', error });
        await pause();
        continue;
      }
      if (jobId === null) continue;
      try {
        await runOne(jobId);
      } catch (e) {
        // If the claim ran, the id has a lease and the reaper retries it after the deadline; if it did
        // not, the id sits unclaimed in our list and the reaper returns it after one visibility timeout.
        emit({ type: 'error', error: e as QueueError });
      }
    }
  };
  const loops = Array.from({ length: concurrency }, () => {
    const blocking = redis.duplicate({ lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false });
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
        stopping.abort();
        for (const b of blockers) b.disconnect(); // interrupts a pending BLMOVE
        await Promise.all(loops);
        // A BLMOVE answered just before the disconnect may have left an unclaimed id in our list.
        await redisCall(`returning unclaimed jobs of worker "${id}"`, () =>
          runScript(redis, 'release-3.lua', [keys.leases, keys.ready, keys.unclaimed], [processingKey]),
        );
      })();
      return closing;
    },
  };
}
