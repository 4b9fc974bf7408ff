import { fileURLToPath } from 'node:url';
import { eventually, spawnTsWorker } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LockLostError, LockServiceError, acquire, isLockError, lockKeys, withLock } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';
import { serverWithClient, signalled, untilAborted } from './helpers.ts';

const holderScript = fileURLToPath(new URL('./fixtures/holder.ts', import.meta.url));

/** Keys the server has expired so far (INFO stats): a key deleted by a release is not counted. */
const expiredKeys = async (redis: Redis): Promise<number> =>
  Number(/^expired_keys:(\d+)/m.exec(await redis.info('stats'))?.[1]);

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

  it('keeps fencing tokens increasing across a graceful restart with appendonly yes', async () => {
    const { server, client } = await serverWithClient([
      ['appendonly', 'yes'],
      ['appendfsync', 'always'],
    ]);
    for (let i = 0; i < 3; i++) await (await acquire(client, 'job', { ttlMs: 1_000 })).release();
    await server.restart(); // graceful: Redis writes its AOF out on shutdown, whatever appendfsync says
    const after = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(after.fence).toBe(4);
    await after.release();
  });
});

// What a SIGKILL of Redis can and cannot show about the fence counter's durability. Redis write()s the
// AOF before it answers a command, so every acknowledged INCR is in the kernel's page cache when the
// process dies, and the restarted server reads it back whether or not it was fsynced: a process kill
// keeps the page cache (and the harness keeps server data on tmpfs, where fsync writes nothing to a
// disk). Only a power loss or a crash of the machine or VM drops what was not fsynced, so on this
// machine no test can tell `appendfsync always` from `appendfsync no`; the two AOF rows below pass
// alike, which is the point they make. What a kill does tell apart is AOF on or off.
describe('the fence counter across a SIGKILL of Redis (private server)', () => {
  const settings: Array<{ setting: string; config: Array<[string, string]>; next: number }> = [
    {
      setting: 'AOF + fsync always',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ],
      next: 4,
    },
    {
      setting: 'AOF + fsync no',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'no'],
      ],
      next: 4,
    },
    { setting: 'no persistence', config: [], next: 1 },
  ];
  it.each(settings)(
    'hands out fence $next after 3 acquisitions and a SIGKILL of Redis with $setting (a process kill keeps the page cache: it cannot tell fsync always from no)',
    async ({ config, next }) => {
      const { server, client } = await serverWithClient(config);
      for (let i = 0; i < 3; i++) await (await acquire(client, 'job', { ttlMs: 1_000 })).release();
      await server.kill(); // SIGKILL: no shutdown, so Redis writes nothing more to its AOF
      await server.start();
      const after = await acquire(client, 'job', { ttlMs: 1_000 });
      expect(after.fence).toBe(next);
      await after.release();
    },
  );
});

describe('SIGKILL: a crashed holder, a crashed server (private server)', () => {
  it('leaves a SIGKILLed holder’s lock in place until its lease expires, then hands out the next fence', async () => {
    const { server, client } = await serverWithClient();
    const key = lockKeys('job').lock;
    const holder = spawnTsWorker(holderScript, [server.url, 'job', '3000']);
    onTestFinished(() => holder.kill());
    const [, fence, token] = (await holder.waitForLine(/^holding \d+ [0-9a-f]{32}$/)).split(' ');
    expect(await client.get(key)).toBe(token);
    expect(await expiredKeys(client)).toBe(0);

    await holder.kill(); // SIGKILL mid-work: no finally, no release

    // The lock goes away only by expiry (a release's DEL is not counted as an expired key) ...
    await eventually(async () => (await client.exists(key)) === 0, { what: 'the dead holder’s lock to expire' });
    expect(await expiredKeys(client)).toBe(1);
    // ... and the next holder gets it with a greater fencing token, so a fenced resource would refuse the dead one.
    const next = await acquire(client, 'job', { ttlMs: 1_000 });
    expect(next.fence).toBe(Number(fence) + 1);
    expect(await next.release()).toBe(true);
  });

  it('aborts the work when its lease runs out while a SIGKILLed Redis stays down, not before', async () => {
    const { server, client } = await serverWithClient();
    const clock = new ManualClock();
    const started = signalled<AbortSignal>();
    const outcome = withLock(client, 'job', { ttlMs: 30_000, clock }, (signal) => {
      started.resolve(signal);
      return untilAborted(signal);
    }).catch((e: unknown) => e);
    const signal = await started.promise;

    await server.kill();
    // Extensions go out at 10 s and 20 s and fail; until the lease ends the key may still exist on a
    // server that comes back with its data, so the work runs on ...
    await clock.advance(29_999);
    expect(signal.aborted).toBe(false);
    // ... and at the lease's end it is aborted, whether an extension is still waiting for Redis or not.
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
    const err = await outcome;
    expect(isLockError(err, 'lost')).toBe(true);
    expect((err as Error).message).toMatch(/^lock "job" was lost: its lease ran out /);
    expect(signal.reason).toBe(err);
  });
});
