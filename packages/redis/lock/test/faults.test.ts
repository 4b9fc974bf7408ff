import { privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LockLostError, LockServiceError, acquire, isLockError, lockKeys, withLock } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';
import { signalled, untilAborted } from './helpers.ts';

async function serverWithClient(config?: Array<[string, string]>) {
  const server = await privateRedis(config ? { config } : {});
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

describe('Redis restarts and outages (private server)', () => {
  it('aborts the work and rejects with LockLostError when a restart wipes the held lock', async () => {
    const { server, client } = await serverWithClient();
    const started = signalled<AbortSignal>();
    const outcome = withLock(client, 'job', { ttlMs: 1_000 }, (signal) => {
      started.resolve(signal);
      return untilAborted(signal);
    }).catch((e: unknown) => e);
    const signal = await started.promise;

    await server.restart(); // no persistence: the lock key is gone when it comes back

    const err = await outcome;
    expect(err).toBeInstanceOf(LockLostError);
    expect((err as Error).message).toMatch(/^lock "job" was lost: /);
    expect(signal.reason).toBe(err);
    expect(await client.exists(lockKeys('job').lock)).toBe(0);
  });

  it('rejects with LockServiceError, not a hang, while the server is down, and works again after it returns', async () => {
    const { server, client } = await serverWithClient();
    await server.stop();
    const err = await acquire(client, 'job', { ttlMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockServiceError);
    expect(isLockError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^acquiring lock "job" failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start();
    const lock = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(await lock.release()).toBe(true);
  });

  it('reloads its Lua scripts after a restart empties the script cache (EVALSHA → NOSCRIPT → EVAL)', async () => {
    const { server, client } = await serverWithClient();
    const acquireScript = luaScript('acquire-2.lua');
    await (await acquire(client, 'job', { ttlMs: 1_000 })).release();
    expect(await client.script('EXISTS', acquireScript.sha)).toEqual([1]);

    await server.restart();
    expect(await client.script('EXISTS', acquireScript.sha)).toEqual([0]);
    const lock = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(await client.script('EXISTS', acquireScript.sha)).toEqual([1]);
    expect(await lock.release()).toBe(true);
  });

  it('restarts fencing tokens at 1 after a restart without persistence (the counter must be durable)', async () => {
    const { server, client } = await serverWithClient();
    for (let i = 0; i < 3; i++) await (await acquire(client, 'job', { ttlMs: 1_000 })).release();
    await server.restart();
    const after = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(after.fence).toBe(1); // a fenced resource that saw token 3 would now reject every holder
    await after.release();
  });

  it('keeps fencing tokens increasing across a restart with appendonly + appendfsync always', async () => {
    const { server, client } = await serverWithClient([
      ['appendonly', 'yes'],
      ['appendfsync', 'always'],
    ]);
    for (let i = 0; i < 3; i++) await (await acquire(client, 'job', { ttlMs: 1_000 })).release();
    await server.restart();
    const after = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(after.fence).toBe(4);
    await after.release();
  });
});
