import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import type { QueueWorker } from '../src/index.ts';

/** A fresh key prefix for one test, deleted (with its clients) when the test ends. */
export async function namespace(): Promise<{ ns: RedisNamespace; redis: Redis }> {
  const ns = await redisNamespace({ name: 'jq' });
  onTestFinished(() => ns.close());
  return { ns, redis: ns.client() };
}

/** Closes the worker when the test ends, pass or fail (registered before the close of the namespace runs). */
export function closeAtEnd<W extends QueueWorker | { close(): Promise<void> }>(worker: W): W {
  onTestFinished(() => worker.close());
  return worker;
}

/** How many times each value occurs. */
export const tally = (values: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};
