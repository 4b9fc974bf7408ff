// A reply lost after Redis acted on the command: the harness's faultyLink discards the next reply and
// resets that connection, ioredis reconnects and re-sends the command still waiting for an answer, and
// Redis runs the script a second time. Each script must give its caller the answer of the first run.
import { faultyLink, redisClient, redisNamespace, type FaultyLink, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { acquire, lockKeys, tryAcquire, withLock } from '../src/index.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'resend' });
  admin = ns.client();
});
afterAll(() => ns?.close());

/** A client of the namespace that reaches Redis through a faultyLink, with the lock's scripts loaded. */
async function clientThroughLink(): Promise<{ link: FaultyLink; client: Redis }> {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  // Load the scripts, so the reply lost below is a script's answer, not NOSCRIPT.
  const warmUp = await acquire(client, 'warm-up', { ttlMs: 30_000 });
  expect(await warmUp.extend()).toBe(true);
  expect(await warmUp.release()).toBe(true);
  return { link, client };
}

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('answers a re-sent acquisition with the lock and the fence of its first run, not "busy"', async () => {
    const { link, client } = await clientThroughLink();
    const keys = lockKeys('resent-acquire');

    const lost = link.dropNextReply();
    const lock = await tryAcquire(client, 'resent-acquire', { ttlMs: 30_000 });
    expect((await lost).toString()).toBe(':1\r\n'); // the first run took the lock with fence 1

    expect(lock).toBeDefined();
    expect(lock!.fence).toBe(1);
    expect(await admin.get(keys.lock)).toBe(lock!.token);
    expect(await admin.get(keys.fence)).toBe('1'); // the re-send used up no fencing token
    expect(link.connections).toBe(2); // the answer came on the new connection
    // The caller knows its token, so it can release: the lock is not stuck until its TTL ends.
    expect(await lock!.release()).toBe(true);
    expect((await tryAcquire(admin, 'resent-acquire', { ttlMs: 30_000 }))?.fence).toBe(2);
  });

  it('still answers "busy" to a caller whose token is not in the key', async () => {
    const { link, client } = await clientThroughLink();
    const holder = await tryAcquire(admin, 'resent-busy', { ttlMs: 30_000 });
    const lost = link.dropNextReply();
    expect(await tryAcquire(client, 'resent-busy', { ttlMs: 30_000 })).toBeUndefined();
    expect((await lost).toString()).toBe(':0\r\n');
    expect(await admin.get(holder!.key)).toBe(holder!.token);
    expect(await admin.get(lockKeys('resent-busy').fence)).toBe('1');
  });

  it('answers a re-sent extension "extended" (compare-and-pexpire runs twice to the same effect)', async () => {
    const { link, client } = await clientThroughLink();
    const lock = await tryAcquire(client, 'resent-extend', { ttlMs: 30_000 });
    const lost = link.dropNextReply();
    expect(await lock!.extend(60_000)).toBe(true);
    expect((await lost).toString()).toBe(':1\r\n');
    expect(await admin.pttl(lock!.key)).toBeGreaterThan(30_000);
    expect(await lock!.release()).toBe(true);
  });

  it('answers a re-sent release "released", so withLock resolves instead of rejecting with LockLostError', async () => {
    const { link, client } = await clientThroughLink();
    const clock = new ManualClock(); // never advanced: no extension goes out, so the next reply is the release's
    let key = '';
    let lost: Promise<Buffer> | undefined;
    const outcome = await withLock(client, 'resent-release', { ttlMs: 30_000, clock }, async (_signal, lock) => {
      key = lock.key;
      lost = link.dropNextReply(); // armed while the work runs: the reply to the release is lost
      return 'work done';
    }).catch((e: unknown) => e);

    expect((await lost!).toString()).toBe(':1\r\n'); // the first run deleted the key
    expect(outcome).toBe('work done');
    expect(await admin.exists(key)).toBe(0);
    expect(link.connections).toBe(2); // the answer came on the new connection
  });

  it('answers a release re-sent after the next owner took the lock "released", and leaves the new key alone', async () => {
    const { link, client } = await clientThroughLink();
    const mine = await tryAcquire(client, 'resent-handover', { ttlMs: 30_000 });
    const lost = link.dropNextReply();
    const released = mine!.release();
    // The next owner's acquisition is written the moment the reply is dropped, before ioredis even
    // schedules its reconnect (a timer), so Redis runs it before the re-sent release.
    const next = lost.then(() => tryAcquire(admin, 'resent-handover', { ttlMs: 30_000 }));
    expect((await lost).toString()).toBe(':1\r\n');
    expect((await next)?.fence).toBe(mine!.fence + 1);

    expect(await released).toBe(true);
    expect(await admin.get(lockKeys('resent-handover').lock)).toBe((await next)!.token);
  });
});
