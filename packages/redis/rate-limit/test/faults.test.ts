import { eventually, privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RateLimitServiceError, isRateLimitError, slidingWindowCounter, slidingWindowLog } from '../src/index.ts';
import { T0, fakeClock } from './helpers.ts';

describe('Redis failures (private server)', () => {
  it('reloads its scripts after SCRIPT FLUSH, surfaces a stopped server as RateLimitServiceError, and works again after a start', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    redis.on('error', () => {}); // connection errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    const clock = fakeClock(T0 + 100);
    const log = slidingWindowLog({ redis, clock, limit: 3, windowMs: 60_000 });
    const counter = slidingWindowCounter({ redis, clock, limit: 3, windowMs: 60_000 });

    expect(await log.consume('k')).toMatchObject({ allowed: true, remaining: 2 });
    await redis.script('FLUSH'); // an empty script cache, as after a restart or failover
    expect(await log.consume('k')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await counter.consume('k')).toMatchObject({ allowed: true, remaining: 2 });

    await server.stop();
    const err = await log.consume('k').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitServiceError);
    expect(isRateLimitError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^sliding-log consume for key "k" failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start();
    await eventually(() => redis.ping(), { what: 'the client to reconnect' });
    // No persistence: the restart forgot the log, so the key has its full limit again.
    const after = await log.consume('k');
    expect(after).toMatchObject({ allowed: true, remaining: 2 });
  });
});
