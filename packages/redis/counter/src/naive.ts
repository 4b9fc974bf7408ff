// DO NOT USE: the read-modify-write counter, kept here to show how it fails. Exported as
// 'poc-redis-counter/naive', not from the main entry, so tests, the demo and the bench can compare.
import type { Redis } from 'ioredis';

/**
 * The bug this POC exists to show: read the value, add in the application, write it back. Between
 * the GET and the SET another caller can do the same, and one of the two increments is lost.
 * Resolves with the value it wrote.
 */
export async function naiveIncrement(redis: Redis, key: string): Promise<number> {
  const current = Number((await redis.get(key)) ?? '0');
  const next = current + 1;
  await redis.set(key, String(next));
  return next;
}
