// When the Redis side dies (a private server per test): the replay rejects with LruServiceError naming
// the accesses it was running, not a hang or a silent miss; after a restart (no persistence: it is a
// cache) it starts cold and works again.
import { privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LruServiceError, isLruError, redisTrace, scanTrace } from '../src/index.ts';

describe('when the Redis server dies (a private server per test)', () => {
  it('surfaces a ServiceError while redis is down, and starts cold after the restart', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 0 });
    redis.on('error', () => {}); // errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    const trace = redisTrace(redis, { prefix: 'f:' });

    expect((await trace.replay(scanTrace(0, 100))).misses).toBe(100);
    expect((await trace.replay(scanTrace(0, 100))).hits).toBe(100);
    await server.kill();
    const err = await trace.replay(scanTrace(0, 100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LruServiceError);
    expect(isLruError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^replaying accesses 0\.\.99 failed: /);

    await server.start();
    const cold = await trace.replay(scanTrace(0, 100));
    expect(cold).toEqual({ hits: 0, misses: 100, ratio: 0 }); // a SIGKILLed cache without persistence is empty
  });
});
