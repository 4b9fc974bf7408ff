import { holdReplies, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionStore, type Session, type SessionStore } from '../src/index.ts';
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

  // The race made certain: the revoker gets its SMEMBERS reply only after one more login has gone
  // through on another connection, i.e. between the naive version's first and last round trip.
  it('breaks with the naive revoke-all (SMEMBERS, DEL sessions, DEL index as separate calls): a login between its steps survives outside the index', async () => {
    const store = sessionStore({ redis: admin, ttlMs: 60_000, prefix: 'naive' });
    const earlier = await Promise.all(Array.from({ length: 3 }, () => store.create('victim')));
    let late: Session | undefined;
    const revoker = holdReplies(connections[0]!, ['smembers'], async () => {
      late ??= await sessionStore({ redis: connections[1]!, ttlMs: 60_000, prefix: 'naive' }).create('victim');
    });
    expect(await naiveRevokeAll(revoker, 'naive:u:{victim}', (id) => `naive:s:{${id}}`)).toBe(3);
    expect(await Promise.all(earlier.map((x) => store.read(x.id)))).toEqual(
      earlier.map(() => ({ ok: false, reason: 'not-found' })),
    );
    // The late login's session is alive but its id went with the index: an orphan.
    expect((await store.read(late!.id)).ok).toBe(true);
    expect(await store.list('victim')).toEqual([]);
    // Even the correct revokeAll cannot reach it now: it is still a valid session.
    expect(await store.revokeAll('victim')).toBe(0);
    expect((await store.read(late!.id)).ok).toBe(true);
  });
});
