// Worker processes killed with SIGKILL while they hold a job: the POC's job comes back through the
// reaper and runs to completion exactly once; the naive BRPOP worker's job is gone for good.
import { fileURLToPath } from 'node:url';
import { eventually, spawnTsWorker } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { jobQueue, type WorkerEvent } from '../src/index.ts';
import { closeAtEnd, namespace, tally } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const VISIBILITY_MS = 500;

async function killedMidJob(mode: 'poc' | 'naive', ns: { url: string; prefix: string }, queueName: string) {
  const victim = spawnTsWorker(fixture, [mode, ns.url, ns.prefix, queueName, String(VISIBILITY_MS)]);
  onTestFinished(() => victim.kill());
  await victim.waitForLine('started job-00');
  await victim.kill(); // SIGKILL while the handler of job-00 is running
  return victim;
}

describe('a worker process killed mid-job', () => {
  it('re-runs its job on another worker after the reaper runs: 21 of 21 complete, each exactly once', async () => {
    const { ns, redis } = await namespace();
    const queue = jobQueue<{ n: number }>(redis, { name: 'crash', visibilityTimeoutMs: VISIBILITY_MS });
    const ids = Array.from({ length: 21 }, (_, n) => `job-${String(n).padStart(2, '0')}`);
    for (const [n, id] of ids.entries()) await queue.enqueue({ n }, { id });

    const victim = await killedMidJob('poc', ns, 'crash');
    expect(await redis.lrange('runs', 0, -1)).toEqual([`job-00@${victim.process.pid}`]);
    expect((await queue.stats()).inFlight).toBe(1); // the dead worker's lease is still there

    const events: WorkerEvent[] = [];
    closeAtEnd(
      await queue.work(
        async (job) => {
          await redis.rpush('runs', `${job.id}@survivor#${job.attempt}`);
        },
        { id: 'survivor', heartbeatMs: 100, onEvent: (e) => events.push(e) },
      ),
    );
    await eventually(async () => (await queue.stats()).completed === 21, { what: '21 completions', timeoutMs: 15_000 });

    const runs = await redis.lrange('runs', 0, -1);
    expect(runs).toHaveLength(22);
    expect(runs).toContain('job-00@survivor#2'); // second attempt, after the reaper took it back
    expect(new Set((await queue.completedIds()).map(String))).toEqual(new Set(ids));
    expect(Object.values(tally(await queue.completedIds()))).toEqual(Array(21).fill(1));
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(21);
    expect(events.filter((e) => e.type !== 'completed')).toEqual([]);
    const stats = await queue.stats();
    expect(stats).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0, enqueued: 21, completed: 21, retried: 1 });
    expect(await redis.llen(`jq:{crash}:processing:victim-${victim.process.pid}`)).toBe(0);
  });

  it('breaks with the naive BRPOP worker: the killed job is in no list, the reaper cannot find it, it never completes', async () => {
    const { ns, redis } = await namespace();
    const queue = jobQueue<{ n: number }>(redis, { name: 'naive', visibilityTimeoutMs: VISIBILITY_MS });
    for (let n = 0; n < 21; n++) await queue.enqueue({ n }, { id: `job-${String(n).padStart(2, '0')}` });

    await killedMidJob('naive', ns, 'naive');
    // Same survivor, same reaper as above: it drains what is left, and job-00 is not part of it.
    closeAtEnd(await queue.work(async () => {}, { id: 'survivor', heartbeatMs: 100 }));
    await eventually(async () => (await queue.stats()).completed === 20, { what: '20 completions' });
    expect(await queue.reap()).toEqual({ promoted: 0, retried: 0, deadLettered: 0, orphansReturned: 0 });

    expect(await queue.stats()).toEqual({
      ready: 0,
      delayed: 0,
      inFlight: 0,
      dead: 0,
      enqueued: 21,
      completed: 20,
      retried: 0,
    });
    expect(await queue.completedIds()).not.toContain('job-00');
    expect(await redis.lrange('runs', 0, -1)).toHaveLength(1); // started once, then lost with the process
  });
});
