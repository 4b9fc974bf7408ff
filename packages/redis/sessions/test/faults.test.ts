import { eventually, privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SessionServiceError, isSessionError, sessionStore } from '../src/index.ts';

describe('Redis failures (private server)', () => {
  it('reloads scripts after SCRIPT FLUSH, surfaces a stopped server as SessionServiceError, and reports sessions lost by a restart as not-found', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    redis.on('error', () => {}); // connection errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    const store = sessionStore({ redis, ttlMs: 60_000 });

    const first = await store.create('u', { a: '1' });
    await redis.script('FLUSH'); // an empty script cache, as after a restart or failover
    expect(await store.update(first.id, { a: '2' })).toEqual({ ok: true });

    await server.stop();
    for (const call of [() => store.read(first.id), () => store.create('u'), () => store.revokeAll('u')]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SessionServiceError);
      expect(isSessionError(err, 'service')).toBe(true);
      expect((err as Error).cause).toBeInstanceOf(Error);
    }

    await server.start();
    await eventually(() => redis.ping(), { what: 'the client to reconnect' });
    // No persistence on this server: the session did not survive the restart, and says so cleanly.
    expect(await store.read(first.id)).toEqual({ ok: false, reason: 'not-found' });
    expect((await store.read((await store.create('u')).id)).ok).toBe(true);
  });
});
