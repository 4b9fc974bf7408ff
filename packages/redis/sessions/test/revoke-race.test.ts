import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionStore, type SessionStore } from '../src/index.ts';
import { naiveRevokeAll } from '../src/naive.ts';

const CREATORS = 10;
const CREATES_EACH = 20;

let ns: RedisNamespace;
let connections: Redis[];
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'sessionsrace' });
  connections = Array.from({ length: CREATORS + 1 }, () => ns.client());
  admin = connections[CREATORS]!;
  await Promise.all(connections.map((c) => c.ping()));
});
afterAll(() => ns?.close());

/**
 * 10 connections create sessions for one user (20 each) while an 11th keeps revoking all of them.
 * Returns the orphans: sessions still alive but missing from the user's index — a later
 * "log out everywhere" cannot find them.
 */
async function race(
  prefix: string,
  revokeAll: (store: SessionStore) => Promise<unknown>,
): Promise<{ created: number; orphans: string[] }> {
  const stores = connections.map((redis) => sessionStore({ redis, ttlMs: 60_000, prefix }));
  const ids: string[] = [];
  let creating = true;
  const creators = Promise.all(
    stores.slice(0, CREATORS).map(async (s) => {
      for (let i = 0; i < CREATES_EACH; i++) ids.push((await s.create('victim')).id);
    }),
  ).finally(() => (creating = false));
  const revoker = (async () => {
    while (creating) await revokeAll(stores[CREATORS]!);
  })();
  await Promise.all([creators, revoker]);
  const index = new Set(await admin.smembers(`${prefix}:u:{victim}`));
  const alive = await Promise.all(ids.map((id) => admin.exists(`${prefix}:s:{${id}}`)));
  return { created: ids.length, orphans: ids.filter((id, i) => alive[i] === 1 && !index.has(id)) };
}

describe('revoke-all while the same user logs in on 10 other connections', () => {
  it('leaves no orphan with the Lua revokeAll: every live session is in the index, and a final revokeAll ends them all', async () => {
    const { created, orphans } = await race('lua', (s) => s.revokeAll('victim'));
    expect(created).toBe(CREATORS * CREATES_EACH);
    expect(orphans).toEqual([]);
    const store = sessionStore({ redis: admin, ttlMs: 60_000, prefix: 'lua' });
    await store.revokeAll('victim');
    expect(await admin.keys(`${ns.prefix}lua:s:*`)).toEqual([]);
  });

  it('breaks with the naive revoke-all (SMEMBERS, DEL sessions, DEL index as separate calls): sessions survive outside the index', async () => {
    const { created, orphans } = await race('naive', () =>
      naiveRevokeAll(admin, 'naive:u:{victim}', (id) => `naive:s:{${id}}`),
    );
    expect(created).toBe(CREATORS * CREATES_EACH);
    expect(orphans.length).toBeGreaterThan(0);
    // Even the correct revokeAll cannot reach them now: they are still valid sessions.
    const store = sessionStore({ redis: admin, ttlMs: 60_000, prefix: 'naive' });
    await store.revokeAll('victim');
    const stillValid = await Promise.all(orphans.map((id) => store.read(id)));
    expect(stillValid.every((r) => r.ok)).toBe(true);
  });
});
