// The queue most people write first: BRPOP a job id and run it. Between the pop and the end of the
// handler the job exists only in the worker's memory, so a worker that dies mid-job loses it for good.
// Kept for the "break it" test and demo; it reads the same keys as jobQueue() so both can share a queue.
// Not part of the main API: import it from 'poc-redis-job-queue/naive'.
import type { Redis } from 'ioredis';
import { queueKeys } from './queue.ts';

export interface NaiveWorker {
  close(): Promise<void>;
}

export function startNaiveWorker<T>(
  redis: Redis,
  name: string,
  handler: (job: { id: string; payload: T }) => Promise<unknown>,
): NaiveWorker {
  const keys = queueKeys(name);
  const blocking = redis.duplicate();
  blocking.on('error', () => {});
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const popped = await blocking.brpop(keys.ready, 1).catch(() => null);
      if (!popped) continue;
      const id = popped[1];
      const json = await redis.hget(keys.jobs, id);
      await handler({ id, payload: JSON.parse(json ?? 'null') as T });
      await redis.multi().hdel(keys.jobs, id).hincrby(keys.stats, 'completed', 1).exec();
    }
  })();
  return {
    async close() {
      stopped = true;
      blocking.disconnect();
      await loop;
    },
  };
}
