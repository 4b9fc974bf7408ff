import { privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CounterServiceError, counters } from '../src/index.ts';

// INCR loses no increment to a race; whether an acknowledged increment survives a restart is up to
// Redis persistence. Both cases, on a server of the test's own.
async function countThroughRestart(config: Array<[string, string]>): Promise<number> {
  const server = await privateRedis({ config });
  onTestFinished(() => server.close());
  const redis = redisClient(server.url);
  onTestFinished(() => redis.disconnect());
  redis.on('error', () => {}); // reconnect attempts during the restart; commands report their own errors
  const c = counters(redis);
  for (let i = 0; i < 500; i++) await c.increment('orders');
  await server.restart();
  return c.get('orders');
}

describe('restart', () => {
  it('keeps all 500 acknowledged increments with appendonly yes + appendfsync always', async () => {
    expect(
      await countThroughRestart([
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ]),
    ).toBe(500);
  });

  it('loses all of them without persistence: the counter restarts at 0', async () => {
    expect(
      await countThroughRestart([
        ['appendonly', 'no'],
        ['save', ''],
      ]),
    ).toBe(0);
  });

  it('rejects an increment with CounterServiceError while Redis is down', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 1 });
    onTestFinished(() => redis.disconnect());
    redis.on('error', () => {});
    const c = counters(redis);
    expect(await c.increment('x')).toBe(1);
    await server.stop();
    const err = await c.increment('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CounterServiceError);
    expect((err as Error).message).toMatch(/^incrementing "counter:x" failed: /);
  });
});
