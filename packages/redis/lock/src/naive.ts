// DO NOT USE: the lock many people write first, kept here to show how it fails.
// It checks that the key is free (GET), then takes it (SET) in a second round trip: two callers that
// both GET before either SETs both "hold" the lock. Its release deletes the key without checking
// who owns it, so a holder whose lease ran out deletes its successor's lock.
// Exported as 'poc-redis-lock/naive', not from the main entry, so tests, the bench and other POCs can compare.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { LockTimeoutError, check, redisCall, requireClient } from './errors.ts';
import { lockKeys } from './lock.ts';

export interface NaiveLockOptions {
  ttlMs: number;
  /** Poll interval while the key is taken (default 5). */
  retryDelayMs?: number;
  /** Give up after this long (default 10 000). */
  acquireTimeoutMs?: number;
}

export async function naiveAcquire(
  redis: Redis,
  name: string,
  options: NaiveLockOptions,
): Promise<{ release(): Promise<void> }> {
  requireClient(redis);
  check.name('name', name);
  const { ttlMs, retryDelayMs = 5, acquireTimeoutMs = 10_000 } = options;
  check.positiveInt('ttlMs', ttlMs);
  check.positiveInt('retryDelayMs', retryDelayMs);
  const key = lockKeys(name).lock;
  const token = randomBytes(16).toString('hex');
  const deadline = Date.now() + acquireTimeoutMs;
  for (;;) {
    const holder = await redisCall(`checking naive lock "${name}"`, () => redis.get(key));
    if (holder === null) {
      // The race: between the GET above and this SET, any other caller may also have seen the key free.
      await redisCall(`taking naive lock "${name}"`, () => redis.set(key, token, 'PX', ttlMs));
      return { release: async () => void (await redisCall(`releasing naive lock "${name}"`, () => redis.del(key))) };
    }
    if (Date.now() >= deadline)
      throw new LockTimeoutError(`naive lock "${name}" was still held after ${acquireTimeoutMs} ms`);
    await sleep(retryDelayMs);
  }
}

/** acquire → work → release, with the naive lock. */
export async function withNaiveLock<T>(
  redis: Redis,
  name: string,
  options: NaiveLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const lock = await naiveAcquire(redis, name, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
