import { eventually, redisNamespace, serverNowMs, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionError, sessionStore, SessionServiceError } from '../src/index.ts';
import { naiveUpdate } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'sessions' });
  redis = ns.client();
});
afterAll(() => ns?.close());

/** Redis's own clock (TIME), in ms since the epoch: what its expiries are measured against. */
let n = 0;
/** A store with its own key prefix, so tests never see each other's sessions. */
const store = (ttlMs = 60_000) => {
  const prefix = `p${n++}`;
  return {
    s: sessionStore({ redis, ttlMs, prefix }),
    key: (id: string) => `${prefix}:s:{${id}}`,
    index: (u: string) => `${prefix}:u:{${u}}`,
  };
};

describe('create and read', () => {
  it('creates a session with a 256-bit random id and reads its data back', async () => {
    const { s, key } = store();
    const created = await s.create('alice', { role: 'admin', theme: 'dark' });
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.id, 'base64url')).toHaveLength(32);
    const read = await s.read(created.id);
    expect(read).toEqual({
      ok: true,
      session: {
        id: created.id,
        userId: 'alice',
        createdAt: created.createdAt,
        data: { role: 'admin', theme: 'dark' },
      },
    });
    expect(await redis.hgetall(key(created.id))).toEqual({
      _uid: 'alice',
      _created: String(created.createdAt),
      role: 'admin',
      theme: 'dark',
    });
  });

  it('never repeats an id (1000 sessions)', async () => {
    const { s } = store();
    const ids = await Promise.all(Array.from({ length: 1_000 }, (_, i) => s.create(`bob${i % 50}`).then((x) => x.id)));
    expect(new Set(ids).size).toBe(1_000);
    expect((await s.list('bob7')).length).toBe(20);
  });

  it('answers malformed ids with a result, without calling Redis, and unknown well-formed ids with not-found', async () => {
    const { s } = store();
    const bad: unknown[] = [
      '',
      'abc',
      'x'.repeat(42),
      `${'a'.repeat(42)}!`,
      'a'.repeat(44),
      'a'.repeat(10_000),
      undefined,
      null,
      42,
      {},
    ];
    for (const id of bad) {
      expect(await s.read(id as string)).toEqual({ ok: false, reason: 'malformed-id' });
      expect(await s.update(id as string, { a: 'b' })).toEqual({ ok: false, reason: 'malformed-id' });
      expect(await s.revoke(id as string)).toBe(false);
    }
    expect(await s.read('A'.repeat(43))).toEqual({ ok: false, reason: 'not-found' });
  });

  it('surfaces a key of the wrong type as SessionServiceError, not a raw Redis error', async () => {
    const { s, key } = store();
    const id = 'B'.repeat(43);
    await redis.set(key(id), 'not a hash');
    const err = await s.read(id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SessionServiceError);
    expect(isSessionError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reading session BBBBBBBB… failed: WRONGTYPE/);
  });
});

describe('sliding expiry', () => {
  it('a read restarts the TTL, in the same transaction as the read', async () => {
    const { s, key } = store(60_000);
    const { id } = await s.create('carol');
    await redis.pexpire(key(id), 5_000); // as if 55 s had passed without a read
    expect((await s.read(id)).ok).toBe(true);
    const ttl = await redis.pttl(key(id));
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  // On Redis's own clock: TIME before and after the read bracket the key's new PEXPIRETIME, so no
  // sub-second window has to hold on a loaded machine. Real expiry: the next test.
  it('a read moves the expiry to ttlMs after the read (server clock); an unread session keeps the end it had', async () => {
    const { s, key } = store(60_000);
    const kept = await s.create('dave');
    const left = await s.create('dave');
    // As if 30 s had passed without a read: both sessions end 30 s from the server's "now".
    const end = (await serverNowMs(redis)) + 30_000;
    await redis.pexpireat(key(kept.id), end);
    await redis.pexpireat(key(left.id), end);

    const before = await serverNowMs(redis);
    expect((await s.read(kept.id)).ok).toBe(true);
    const after = await serverNowMs(redis);
    const keptUntil = await redis.pexpiretime(key(kept.id));
    expect(keptUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(keptUntil).toBeLessThanOrEqual(after + 60_000);
    expect(await redis.pexpiretime(key(left.id))).toBe(end);
  });

  it('an expired session is gone for read, update and revoke, and list() cleans its id out of the index', async () => {
    const { s, key, index } = store(200);
    const { id } = await s.create('erin', { cart: '3' });
    await eventually(async () => (await redis.exists(key(id))) === 0, {
      what: 'the session to expire',
      timeoutMs: 5_000,
    });
    expect(await s.read(id)).toEqual({ ok: false, reason: 'not-found' });
    expect(await s.update(id, { cart: '4' })).toEqual({ ok: false, reason: 'not-found' });
    expect(await redis.exists(key(id))).toBe(0); // the update did not bring it back
    expect(await s.revoke(id)).toBe(false);
    expect(await redis.smembers(index('erin'))).toEqual([id]);
    expect(await s.list('erin')).toEqual([]);
    expect(await redis.exists(index('erin'))).toBe(0);
  });
});

describe('partial update', () => {
  it('sets only the given fields, keeps the others, and restarts the TTL', async () => {
    const { s, key } = store(60_000);
    const { id } = await s.create('frank', { role: 'user', theme: 'light', cart: '1' });
    await redis.pexpire(key(id), 5_000);
    expect(await s.update(id, { cart: '2', locale: 'fr' })).toEqual({ ok: true });
    const read = await s.read(id);
    expect(read.ok && read.session.data).toEqual({ role: 'user', theme: 'light', cart: '2', locale: 'fr' });
    expect(await redis.pttl(key(id))).toBeGreaterThan(5_000);
  });

  it('breaks with a plain HSET: an update after expiry resurrects the session as a partial hash with no TTL', async () => {
    const { s, key } = store(200);
    const safe = await s.create('gina', { cart: '1' });
    const naive = await s.create('gina', { cart: '1' });
    await eventually(async () => (await redis.exists(key(safe.id), key(naive.id))) === 0, {
      what: 'both sessions to expire',
      timeoutMs: 5_000,
    });

    expect(await s.update(safe.id, { cart: '2' })).toEqual({ ok: false, reason: 'not-found' });
    expect(await redis.exists(key(safe.id))).toBe(0);

    await naiveUpdate(redis, key(naive.id), { cart: '2' });
    expect(await redis.hgetall(key(naive.id))).toEqual({ cart: '2' });
    expect(await redis.pttl(key(naive.id))).toBe(-1); // no TTL: it never expires again
    // This store does not accept the zombie as a session (no _uid), but a store that trusted any hash would.
    expect(await s.read(naive.id)).toEqual({ ok: false, reason: 'not-found' });
  });
});

describe('revoke', () => {
  it('revoke(id) ends that session only and removes it from the user index', async () => {
    const { s, index } = store();
    const a = await s.create('hank');
    const b = await s.create('hank');
    expect(await s.revoke(a.id)).toBe(true);
    expect(await s.revoke(a.id)).toBe(false);
    expect(await s.read(a.id)).toEqual({ ok: false, reason: 'not-found' });
    expect((await s.read(b.id)).ok).toBe(true);
    expect(await redis.smembers(index('hank'))).toEqual([b.id]);
  });

  it('revokeAll ends all 300 sessions of a user and leaves other users alone', async () => {
    const { s, index } = store();
    const ivy = await Promise.all(Array.from({ length: 300 }, (_, i) => s.create('ivy', { device: `d${i}` })));
    const jack = await s.create('jack');
    expect(await s.revokeAll('ivy')).toBe(300);
    const reads = await Promise.all(ivy.map((x) => s.read(x.id)));
    expect(reads.filter((r) => r.ok)).toHaveLength(0);
    expect(await redis.exists(index('ivy'))).toBe(0);
    expect((await s.read(jack.id)).ok).toBe(true);
    expect(await s.list('jack')).toEqual([jack.id]);
    expect(await s.revokeAll('ivy')).toBe(0);
  });

  it('counts only live sessions in revokeAll (expired ones are not "revoked")', async () => {
    const { s, key } = store(60_000);
    const gone = await s.create('kim');
    await s.create('kim');
    await redis.del(key(gone.id)); // as if it had expired
    expect(await s.revokeAll('kim')).toBe(1);
  });
});
