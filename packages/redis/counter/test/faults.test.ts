import { eventually, privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CounterServiceError, counters } from '../src/index.ts';

// INCR loses no increment to a race; whether an acknowledged increment survives a crash is up to
// Redis persistence. Each case on a server of the test's own, killed with SIGKILL (no shutdown, no
// final save or flush) after 500 acknowledged increments, then started again on the same directory.
async function countThroughKill(config: Array<[string, string]>): Promise<number> {
  const server = await privateRedis({ config });
  onTestFinished(() => server.close());
  const redis = redisClient(server.url);
  onTestFinished(() => redis.disconnect());
  redis.on('error', () => {}); // reconnect attempts while the server is down; commands report their own errors
  const c = counters(redis);
  for (let i = 0; i < 500; i++) await c.increment('orders');
  await server.kill();
  await server.start();
  await eventually(() => redis.ping(), { what: 'the client to reconnect' });
  return c.get('orders');
}

describe('SIGKILL', () => {
  it('keeps all 500 acknowledged increments with appendonly yes: the AOF is written before Redis replies', async () => {
    expect(
      await countThroughKill([
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ]),
    ).toBe(500);
  });

  it('loses all of them without persistence: the counter restarts at 0', async () => {
    expect(
      await countThroughKill([
        ['appendonly', 'no'],
        ['save', ''],
      ]),
    ).toBe(0);
  });

  // What a process kill cannot show: appendfsync decides when the kernel is told to put the AOF on the
  // disk, but Redis write()s it before every reply under every setting, and the page cache outlives
  // the process. Only a power loss or a VM crash drops unsynced pages; this test machine cannot cause
  // one (and the harness keeps data in /dev/shm, where fsync does nothing).
  it('cannot tell appendfsync no from always with a process kill: appendfsync no keeps all 500 too', async () => {
    expect(
      await countThroughKill([
        ['appendonly', 'yes'],
        ['appendfsync', 'no'],
      ]),
    ).toBe(500);
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
