import { privateRedis, redisClient, eventually } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DuplicateJobError, QueueServiceError, isQueueError, jobQueue, type WorkerEvent } from '../src/index.ts';
import { closeAtEnd, namespace, serverNow, tally } from './helpers.ts';

type Handshake = { promise: Promise<void>; resolve: () => void };

/** A promise with its resolve function, for "the handler has started" handshakes. */
function signalled<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('delivery', () => {
  it('runs 200 jobs on 4 competing workers (2 slots each) exactly once, and acks remove every trace', async () => {
    const { redis } = await namespace();
    const queue = jobQueue<{ n: number }>(redis, { name: 'many' });
    const handled: string[] = [];
    for (let w = 0; w < 4; w++) {
      closeAtEnd(await queue.work(async (job) => void handled.push(job.id), { id: `w${w}`, concurrency: 2 }));
    }
    const ids: string[] = [];
    for (let n = 0; n < 200; n++) ids.push(await queue.enqueue({ n }));

    await eventually(async () => (await queue.stats()).completed === 200, { what: '200 completions' });
    expect(handled).toHaveLength(200);
    expect(new Set(handled)).toEqual(new Set(ids));
    expect(Object.values(tally(await queue.completedIds())).every((c) => c === 1)).toBe(true);
    expect(await queue.stats()).toEqual({
      ready: 0,
      delayed: 0,
      inFlight: 0,
      dead: 0,
      enqueued: 200,
      completed: 200,
      retried: 0,
    });
    expect(await redis.hlen(queue.keys.jobs)).toBe(0);
    expect(await redis.hlen(queue.keys.leases)).toBe(0);
    expect(await redis.hlen(queue.keys.attempts)).toBe(0);
  });

  it('hands jobs out in FIFO order to a single worker, with the payload and attempt 1', async () => {
    const { redis } = await namespace();
    const queue = jobQueue<{ n: number }>(redis, { name: 'fifo' });
    for (let n = 0; n < 5; n++) await queue.enqueue({ n }, { id: `j${n}` });
    const seen: Array<[string, number, number]> = [];
    closeAtEnd(await queue.work(async (job) => void seen.push([job.id, job.payload.n, job.attempt])));
    await eventually(() => seen.length === 5, { what: '5 jobs' });
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => [`j${n}`, n, 1]));
  });

  it('rejects a second job with an id that is still in the queue (DuplicateJobError)', async () => {
    const { redis } = await namespace();
    const queue = jobQueue(redis, { name: 'dup' });
    await queue.enqueue({ a: 1 }, { id: 'order-42' });
    const err = await queue.enqueue({ a: 2 }, { id: 'order-42' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateJobError);
    expect((err as Error).message).toBe('job "order-42" is already in queue "dup"');
    expect((await queue.stats()).enqueued).toBe(1);
  });
});

describe('retries and dead letters', () => {
  it('moves a poison job to the dead-letter list after maxAttempts (3) runs, with its attempts and last error', async () => {
    const { redis } = await namespace();
    const queue = jobQueue<{ poison: boolean }>(redis, { name: 'poison', maxAttempts: 3 });
    const attempts: number[] = [];
    const events: WorkerEvent[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          attempts.push(job.attempt);
          throw new Error(`cannot parse invoice (attempt ${job.attempt})`);
        },
        { onEvent: (e) => events.push(e) },
      ),
    );
    const id = await queue.enqueue({ poison: true });
    await eventually(async () => (await queue.stats()).dead === 1, { what: 'a dead letter' });

    expect(attempts).toEqual([1, 2, 3]);
    expect(await queue.deadLetters()).toEqual([
      { id, payload: { poison: true }, attempts: 3, error: 'cannot parse invoice (attempt 3)' },
    ]);
    expect(events.map((e) => (e.type === 'failed' ? e.deadLettered : e.type))).toEqual([false, false, true]);
    expect(await queue.stats()).toEqual({
      ready: 0,
      delayed: 0,
      inFlight: 0,
      dead: 1,
      enqueued: 1,
      completed: 0,
      retried: 2,
    });
  });

  it('retries a failed job after retryDelayMs via the delayed set, then completes it on attempt 2', async () => {
    const { redis } = await namespace();
    const clock = new ManualClock(1_700_000_000_000);
    const queue = jobQueue(redis, { name: 'backoff', retryDelayMs: 60_000, clock });
    const attempts: number[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt === 1) throw new Error('downstream 503');
        },
        { reap: false },
      ),
    );
    await queue.enqueue('x', { id: 'flaky' });
    await eventually(async () => (await queue.stats()).delayed === 1, { what: 'the retry to be scheduled' });
    expect(await redis.zscore(queue.keys.delayed, 'flaky')).toBe(String(clock.now() + 60_000));

    await clock.advance(59_999);
    expect((await queue.reap()).promoted).toBe(0);
    await clock.advance(1);
    expect((await queue.reap()).promoted).toBe(1);
    await eventually(async () => (await queue.stats()).completed === 1, { what: 'the retry to complete' });
    expect(attempts).toEqual([1, 2]);
  });
});

describe('visibility timeout and the reaper', () => {
  it('gives a job whose lease expired to another worker, and refuses the late ack of the first while the second runs it', async () => {
    const { redis } = await namespace();
    const clock = new ManualClock(1_700_000_000_000);
    const queue = jobQueue(redis, { name: 'slow', visibilityTimeoutMs: 30_000, clock });
    const firstStarted = signalled();
    const finishFirst = signalled();
    const secondStarted = signalled();
    const finishSecond = signalled();
    const events: Record<string, WorkerEvent[]> = { slow: [], fast: [] };
    const worker = async (name: string, started: Handshake, finish: Handshake): Promise<void> => {
      const w = await queue.work(
        async () => {
          started.resolve();
          await finish.promise;
        },
        { id: name, reap: false, onEvent: (e) => events[name]!.push(e) },
      );
      onTestFinished(async () => {
        finish.resolve(); // a failed assertion must not leave close() waiting on a parked handler
        await w.close();
      });
    };
    await worker('slow', firstStarted, finishFirst);
    await queue.enqueue('report', { id: 'r1' });
    await firstStarted.promise;

    await clock.advance(30_000); // the lease deadline; the slow worker is alive but has not acked
    expect(await queue.reap()).toEqual({ promoted: 0, retried: 1, deadLettered: 0, orphansReturned: 0 });
    // The slow worker (one slot) is still inside its handler, so only the new one can take the retry.
    await worker('fast', secondStarted, finishSecond);
    await secondStarted.promise;

    finishFirst.resolve(); // the first run finishes while the second still holds the job
    await eventually(() => events.slow!.length === 1, { what: 'the late ack' });
    expect(events.slow).toEqual([{ type: 'lost', id: 'r1', attempt: 1 }]);
    expect(await redis.hexists(queue.keys.leases, 'r1')).toBe(1); // the second run's lease is untouched

    finishSecond.resolve();
    await eventually(() => events.fast!.length === 1, { what: 'the second ack' });
    expect(events.fast).toEqual([{ type: 'completed', id: 'r1', attempt: 2 }]);
    expect(await queue.completedIds()).toEqual(['r1']);
    expect((await queue.stats()).completed).toBe(1);
  });

  it('returns an id stranded between BLMOVE and claim once its worker misses its heartbeats', async () => {
    const { ns, redis } = await namespace();
    const queue = jobQueue(redis, { name: 'orphan' });
    await queue.enqueue('x', { id: 'o1' });
    // What a worker that died right after BLMOVE leaves behind: the id in its list, no lease.
    const list = queue.keys.processing('ghost');
    await redis.lmove(queue.keys.ready, list, 'RIGHT', 'LEFT');
    // Worker entries hold the list's full key name (Lua sees keys without the client's prefix) and the
    // heartbeat deadline on Redis's clock.
    const now = await serverNow(redis);
    await redis.zadd(queue.keys.workers, now + 60_000, ns.prefix + list);

    expect((await queue.reap()).orphansReturned).toBe(0); // heartbeat still valid: hands off
    await redis.zadd(queue.keys.workers, now - 1, ns.prefix + list); // the beats stopped: the deadline has passed
    expect(await queue.reap()).toEqual({ promoted: 0, retried: 0, deadLettered: 0, orphansReturned: 1 });
    expect(await redis.lrange(queue.keys.ready, 0, -1)).toEqual(['o1']);
    expect(await redis.exists(list)).toBe(0);
    expect(await redis.zcard(queue.keys.workers)).toBe(0);
  });

  it('returns an id a live worker moved but never claimed (its BLMOVE reply or its claim was lost) after one visibility timeout', async () => {
    const { ns, redis } = await namespace();
    const clock = new ManualClock(1_700_000_000_000);
    const queue = jobQueue(redis, { name: 'unclaimed', visibilityTimeoutMs: 30_000, clock });
    await queue.enqueue('x', { id: 'u1' });
    // What a heartbeating worker is left with when its BLMOVE's reply or its claim got lost: the id, no lease.
    const list = queue.keys.processing('alive');
    await redis.lmove(queue.keys.ready, list, 'RIGHT', 'LEFT');
    await redis.zadd(queue.keys.workers, (await serverNow(redis)) + 3_600_000, ns.prefix + list);

    expect((await queue.reap()).orphansReturned).toBe(0); // first seen unclaimed: it may be mid-claim
    await clock.advance(29_999);
    expect((await queue.reap()).orphansReturned).toBe(0);
    await clock.advance(1);
    expect(await queue.reap()).toEqual({ promoted: 0, retried: 0, deadLettered: 0, orphansReturned: 1 });
    expect(await redis.lrange(queue.keys.ready, 0, -1)).toEqual(['u1']);
    expect(await redis.exists(list)).toBe(0);
    expect(await redis.zcard(queue.keys.workers)).toBe(1); // the worker is alive: it stays registered
  });

  it('dead-letters a job whose lease expired on its last attempt', async () => {
    const { redis } = await namespace();
    const clock = new ManualClock(1_700_000_000_000);
    const queue = jobQueue(redis, { name: 'lastlease', maxAttempts: 1, visibilityTimeoutMs: 1_000, clock });
    const started = signalled();
    // The handler stops when its lease's signal aborts (after 1 s of real time), so close() can finish.
    closeAtEnd(
      await queue.work(
        async (job) => {
          started.resolve();
          await new Promise((resolve) => job.signal.addEventListener('abort', resolve));
        },
        { reap: false, onEvent: () => {} },
      ),
    );
    await queue.enqueue('x', { id: 'once' });
    await started.promise;
    await clock.advance(1_000);
    expect(await queue.reap()).toEqual({ promoted: 0, retried: 0, deadLettered: 1, orphansReturned: 0 });
    expect(await queue.deadLetters()).toEqual([
      {
        id: 'once',
        payload: 'x',
        attempts: 1,
        error: 'visibility timeout: not acknowledged before its lease deadline',
      },
    ]);
  });
});

describe('delayed jobs', () => {
  it('keeps a delayed job out of reach until its due time, then runs it', async () => {
    const { redis } = await namespace();
    const clock = new ManualClock(1_700_000_000_000);
    const queue = jobQueue(redis, { name: 'delayed', clock });
    const ran: string[] = [];
    closeAtEnd(await queue.work(async (job) => void ran.push(job.id), { reap: false }));
    await queue.enqueue('later', { id: 'd1', delayMs: 5_000 });
    await queue.enqueue('now', { id: 'n1' });
    await eventually(() => ran.length === 1, { what: 'the immediate job' });

    await clock.advance(4_999);
    expect((await queue.reap()).promoted).toBe(0);
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1, completed: 1 });
    await clock.advance(1);
    expect((await queue.reap()).promoted).toBe(1);
    await eventually(() => ran.length === 2, { what: 'the delayed job' });
    expect(ran).toEqual(['n1', 'd1']);
  });

  it('runs a delayed job on real time through the workers own reaper (no manual clock)', async () => {
    const { redis } = await namespace();
    const queue = jobQueue(redis, { name: 'realdelay' });
    const ranAt: number[] = [];
    closeAtEnd(await queue.work(async () => void ranAt.push(Date.now()), { heartbeatMs: 50 }));
    const enqueuedAt = Date.now();
    await queue.enqueue('x', { delayMs: 300 });
    await eventually(() => ranAt.length === 1, { what: 'the delayed job' });
    expect(ranAt[0]! - enqueuedAt).toBeGreaterThanOrEqual(300); // never early: this is a lower bound, not a speed check
  });
});

describe('Redis failures are surfaced', () => {
  it('rejects enqueue with QueueServiceError while the server is down, and reports worker errors through onEvent', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    redis.on('error', () => {});
    onTestFinished(() => void redis.disconnect());
    const queue = jobQueue(redis, { name: 'down' });
    const events: WorkerEvent[] = [];
    closeAtEnd(await queue.work(async () => {}, { heartbeatMs: 100, onEvent: (e) => events.push(e) }));

    await server.stop();
    const err = await queue.enqueue('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueServiceError);
    expect(isQueueError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^enqueueing job "[0-9a-f-]{36}" on "down" failed: /);
    await eventually(() => events.some((e) => e.type === 'error'), { what: 'a worker error event' });

    await server.start();
    const id = await queue.enqueue('after');
    await eventually(async () => (await queue.completedIds()).includes(id), {
      what: 'the job after the restart',
      timeoutMs: 15_000,
    });
  });
});
