// The interleavings that break "nothing lost" queues, forced against a real Redis: a reply lost after
// the server acted (and ioredis's automatic re-send of the command), and a worker frozen (SIGSTOP)
// while its BLMOVE still waits on the server, then killed before it could claim what BLMOVE moved.
import { fileURLToPath } from 'node:url';
import { eventually, privateRedis, redisClient, spawnTsWorker } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { jobQueue, type WorkerEvent } from '../src/index.ts';
import { clientThroughLink, closeAtEnd, namespace, serverNow, untracked } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

/** A promise with its resolve function, for "the handler may finish now" gates. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const ofJob = (events: WorkerEvent[], id: string): WorkerEvent[] =>
  events.filter((e) => e.type !== 'error' && e.id === id);

describe('a reply lost after the server acted, and the command re-sent', () => {
  it('recovers a job whose BLMOVE reply was lost: the id sits unclaimed in a live worker list, the reaper returns it after one visibility timeout, it runs once', async () => {
    const { ns, redis } = await namespace();
    const { link, client } = await clientThroughLink(ns);
    // The worker keeps real time (it stays alive: it heartbeats every minute); the reaper's clock is moved by hand.
    const clock = new ManualClock(Date.now());
    const queue = jobQueue<string>(client, { name: 'lostmove', visibilityTimeoutMs: 30_000 }); // all through the link
    const direct = jobQueue<string>(redis, { name: 'lostmove', visibilityTimeoutMs: 30_000, clock }); // straight to Redis
    const runs: string[] = [];
    const events: WorkerEvent[] = [];
    closeAtEnd(
      await queue.work(async (job) => void runs.push(`${job.id}#${job.attempt}`), {
        id: 'w',
        heartbeatMs: 60_000,
        blockTimeoutMs: 60_000,
        reap: false,
        onEvent: (e) => events.push(e),
      }),
    );
    await direct.enqueue('warm-up', { id: 'j0' });
    await eventually(() => runs.length === 1, { what: 'the warm-up job' });
    await eventually(() => events.some((e) => e.type === 'completed'), { what: 'the warm-up ack' });

    // The worker is back in BLMOVE and its next heartbeat is a minute away: the next reply is BLMOVE's.
    const lost = link.dropNextReply();
    await direct.enqueue('its BLMOVE reply is lost', { id: 'j1' });
    expect((await lost).toString()).toContain('j1'); // the server moved j1 into the worker's list

    // Five reaper passes 10 s of reaper time apart: 40 s, more than one visibility timeout, less than the
    // worker's heartbeat window (3 x 60 s). The worker never reaps and nobody calls close().
    for (let pass = 0; pass < 5; pass++) {
      await direct.reap();
      await clock.advance(10_000);
    }
    await eventually(() => runs.includes('j1#1'), { what: 'j1 to run' });
    await eventually(async () => (await direct.stats()).completed === 2, { what: 'j1 acked' });
    expect(runs).toEqual(['j0#1', 'j1#1']);
    expect(await direct.stats()).toEqual({
      ready: 0,
      delayed: 0,
      inFlight: 0,
      dead: 0,
      enqueued: 2,
      completed: 2,
      retried: 0,
    });
    // The broken wait is reported, not swallowed.
    expect(
      events.some((e) => e.type === 'error' && /^waiting for jobs on "lostmove" failed/.test(e.error.message)),
    ).toBe(true);
  });

  it('stores an enqueue re-sent after its reply was lost once, and answers with its id (not DuplicateJobError)', async () => {
    const { ns, redis } = await namespace();
    const { link, client } = await clientThroughLink(ns);
    const queue = jobQueue<string>(client, { name: 'resentenqueue' });
    await queue.enqueue('warm-up', { id: 'j0' }); // loads the script: the reply lost below is its result, not NOSCRIPT
    await client.ping(); // answered after anything the warm-up left on the wire

    const lost = link.dropNextReply();
    const result = await queue.enqueue('x', { id: 'j1' }).catch((e: unknown) => e);
    expect((await lost).toString()).toBe(':1\r\n'); // the first run stored the job
    expect(result).toBe('j1');
    expect(await redis.lrange(queue.keys.ready, 0, -1)).toEqual(['j1', 'j0']);
    expect((await queue.stats()).enqueued).toBe(2);
  });

  it('counts an attempt once when the claim is re-sent after its reply was lost (maxAttempts 2 still means two runs)', async () => {
    const { ns, redis } = await namespace();
    const { link, client } = await clientThroughLink(ns, { blockingDirect: true });
    const queue = jobQueue<string>(client, { name: 'resentclaim', maxAttempts: 2 });
    const direct = jobQueue<string>(redis, { name: 'resentclaim', maxAttempts: 2 });
    const runs: string[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          runs.push(`${job.id}#${job.attempt}`);
          if (job.id === 'j1') throw new Error('always fails');
        },
        { heartbeatMs: 60_000, reap: false, onEvent: () => {} },
      ),
    );
    await direct.enqueue('warm-up', { id: 'j0' });
    await eventually(async () => (await direct.stats()).completed === 1, { what: 'the warm-up job' });

    const lost = link.dropNextReply(); // BLMOVE bypasses the link: the next reply through it is the claim's
    await direct.enqueue('claimed twice', { id: 'j1' });
    expect((await lost).toString()).toContain('claimed twice');
    await eventually(async () => (await direct.stats()).dead === 1, { what: 'j1 dead-lettered' });
    expect(runs).toEqual(['j0#1', 'j1#1', 'j1#2']);
    expect((await direct.deadLetters()).map((d) => [d.id, d.attempts])).toEqual([['j1', 2]]);
  });

  it('reports completed, not lost, when the ack is re-sent after its reply was lost', async () => {
    const { ns, redis } = await namespace();
    const { link, client } = await clientThroughLink(ns, { blockingDirect: true });
    const queue = jobQueue<string>(client, { name: 'resentack' });
    const direct = jobQueue<string>(redis, { name: 'resentack' });
    const started = gate();
    const finish = gate();
    const events: WorkerEvent[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          if (job.id !== 'j1') return;
          started.open();
          await finish.promise;
        },
        { heartbeatMs: 60_000, reap: false, onEvent: (e) => events.push(e) },
      ),
    );
    onTestFinished(finish.open);
    await direct.enqueue('warm-up', { id: 'j0' });
    await eventually(() => ofJob(events, 'j0').length === 1, { what: 'the warm-up job' });
    await direct.enqueue('acked twice', { id: 'j1' });
    await started.promise;

    const lost = link.dropNextReply(); // the handler runs; the next reply through the link is its ack's
    finish.open();
    expect((await lost).toString()).toBe(':1\r\n'); // the first run acknowledged it
    await eventually(() => ofJob(events, 'j1').length === 1, { what: 'the outcome of j1' });
    expect(ofJob(events, 'j1')).toEqual([{ type: 'completed', id: 'j1', attempt: 1 }]);
    expect(await direct.stats()).toMatchObject({ inFlight: 0, completed: 2, retried: 0 });
  });

  it('reports failed, not lost, when the fail is re-sent after its reply was lost', async () => {
    const { ns, redis } = await namespace();
    const { link, client } = await clientThroughLink(ns, { blockingDirect: true });
    const queue = jobQueue<string>(client, { name: 'resentfail' });
    const direct = jobQueue<string>(redis, { name: 'resentfail' });
    const started = gate();
    const finish = gate();
    const events: WorkerEvent[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          if (job.attempt > 1) return;
          if (job.id === 'j1') {
            started.open();
            await finish.promise;
          }
          throw new Error(`${job.id} fails once`);
        },
        { heartbeatMs: 60_000, reap: false, onEvent: (e) => events.push(e) },
      ),
    );
    onTestFinished(finish.open);
    await direct.enqueue('warm-up', { id: 'j0' }); // fails once, then completes: every script is loaded
    await eventually(() => ofJob(events, 'j0').length === 2, { what: 'the warm-up job' });
    await direct.enqueue('failed twice', { id: 'j1' });
    await started.promise;

    const lost = link.dropNextReply();
    finish.open();
    expect((await lost).toString()).toBe(':1\r\n'); // the first run put it back for a retry
    await eventually(() => ofJob(events, 'j1').length === 2, { what: 'both outcomes of j1' });
    expect(ofJob(events, 'j1')).toEqual([
      { type: 'failed', id: 'j1', attempt: 1, error: 'j1 fails once', deadLettered: false },
      { type: 'completed', id: 'j1', attempt: 2 },
    ]);
    expect(await direct.stats()).toMatchObject({ inFlight: 0, completed: 2, retried: 2 });
  });
});

describe('a worker frozen (SIGSTOP) while its BLMOVE waits on the server, then killed', () => {
  it.each([
    ['heartbeat 100 ms and a 30 s BLMOVE block, reaped once it missed its heartbeats', ['100', '30000', '0'], true],
    ['its clock 5 s behind (default heartbeat), reaped at once', ['1000', '30000', '-5000'], false],
  ])('%s: the job enqueued next is not lost', async (_what, workerArgs, waitUntilExpired) => {
    const server = await privateRedis(); // INFO blocked_clients: a server-wide view, so a server of its own
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    const queue = jobQueue<string>(redis, { name: 'frozen', visibilityTimeoutMs: 60_000 });
    const victim = spawnTsWorker(fixture, ['poc', server.url, '', 'frozen', '60000', ...workerArgs]);
    onTestFinished(() => victim.kill());
    await victim.waitForLine('ready');
    const list = `jq:{frozen}:processing:victim-${victim.process.pid}`;
    await eventually(async () => /blocked_clients:1\r?\n/.test(await redis.info('clients')), {
      what: 'the victim blocked in BLMOVE',
    });
    victim.freeze();
    if (waitUntilExpired) {
      await eventually(
        async () => {
          const deadline = await redis.zscore(queue.keys.workers, list);
          return deadline !== null && Number(deadline) < (await serverNow(redis));
        },
        { what: 'the frozen worker to miss its heartbeats' },
      );
    }
    await queue.reap();
    await queue.enqueue('x', { id: 'j1' });
    await victim.kill(); // it never claims what its BLMOVE may have moved

    expect(await untracked(queue, redis)).toEqual([]); // j1 is where a reaper will find it
    const runs: string[] = [];
    closeAtEnd(
      await queue.work(async (job) => void runs.push(`${job.id}#${job.attempt}`), { id: 'survivor', heartbeatMs: 100 }),
    );
    await eventually(() => runs.length === 1, { what: 'j1 to run on the survivor', timeoutMs: 15_000 });
    expect(runs).toEqual(['j1#1']);
  });
});
