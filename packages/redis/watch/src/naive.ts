// Two ways to get the same update wrong, for contrast (import from 'poc-redis-watch/naive'). Both take the
// same `change` function as checkAndSet().modify(), so tests and the bench run identical work.
//
// naiveModify: GET, compute, SET. Two callers that GET the same value both SET value + 1: one update is
// lost, silently.
//
// sharedConnectionModify: WATCH/GET/MULTI/EXEC done right, but on the caller's own client, which every
// concurrent caller shares. WATCH state belongs to the connection: the first EXEC on it clears every
// caller's WATCH, so the next callers' EXECs run unguarded. It loses updates like the naive version, and
// reports each one as committed.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { checkClient } from './watch.ts';

type Change = (value: string | null) => string | Promise<string>;

function checkArgs(redis: unknown, key: unknown, change: unknown): void {
  checkClient(redis);
  check.name('key', key);
  check.fn('change', change);
}

export async function naiveModify(redis: Redis, key: string, change: Change): Promise<string> {
  checkArgs(redis, key, change);
  const value = await redisCall(`reading "${key}"`, () => redis.get(key));
  const next = await change(value);
  await redisCall(`writing "${key}"`, () => redis.set(key, next));
  return next;
}

export async function sharedConnectionModify(
  redis: Redis,
  key: string,
  change: Change,
): Promise<{ result: string; attempts: number }> {
  checkArgs(redis, key, change);
  for (let attempt = 1; ; attempt++) {
    await redisCall(`WATCH "${key}"`, () => redis.watch(key));
    const next = await change(await redisCall(`reading "${key}"`, () => redis.get(key)));
    const replies = await redisCall(`MULTI/EXEC on "${key}"`, () => redis.multi().set(key, next).exec());
    if (replies !== null) return { result: next, attempts: attempt }; // nil: a watched key changed, retry
  }
}
