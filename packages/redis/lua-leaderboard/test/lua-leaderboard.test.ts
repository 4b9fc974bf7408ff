// What the board promises, read back from Redis's own keys (not from addScore's answer): the points, the
// history with the total after each update, the cached top N whose version moves only when the top
// changes, a repeated update id that changes nothing, and no half-done update when Redis refuses one.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardKeys, isLuaLeaderboardError, luaLeaderboard, type LeaderboardOptions } from '../src/index.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_leaderboard' });
  admin = ns.client();
});
afterAll(() => ns?.close());

let boards = 0;
/** A board of the test's own (a fresh name) and its keys. */
function freshBoard(options: Omit<LeaderboardOptions, 'name'> = {}) {
  const name = `b${++boards}`;
  return { board: luaLeaderboard(ns.client(), { name, ...options }), keys: boardKeys(name) };
}

/** The cache as stored: the hash's fields, entries decoded. */
async function storedTop(key: string): Promise<{ version: string; entries: string[] } | undefined> {
  const hash = await admin.hgetall(key);
  return hash.version === undefined ? undefined : { version: hash.version, entries: JSON.parse(hash.entries!) };
}

const storedHistory = async (key: string): Promise<string[][]> =>
  (await admin.lrange(key, 0, -1)).map((raw) => JSON.parse(raw) as string[]);

describe('one update, as Redis stores it', () => {
  it('adds the points, records the update with the total it produced, and caches the top N with a version', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { board, keys } = freshBoard({ topN: 2, clock });
    await board.addScore('alice', 30, { updateId: 'u1' });
    await clock.advance(1_000);
    const update = await board.addScore('alice', 12, { updateId: 'u2' });
    await board.addScore('bob', 20, { updateId: 'u3' });

    expect(update).toEqual({ player: 'alice', score: 42, topVersion: 2, topChanged: true, replayed: false });
    expect(await admin.zrevrange(keys.scores, 0, -1, 'WITHSCORES')).toEqual(['alice', '42', 'bob', '20']);
    const t0 = String(Date.UTC(2026, 0, 1));
    const t1 = String(Date.UTC(2026, 0, 1) + 1_000);
    expect(await storedHistory(keys.history('alice'))).toEqual([
      ['u2', '12', '42', t1],
      ['u1', '30', '30', t0],
    ]);
    expect(await storedTop(keys.top)).toEqual({ version: '3', entries: ['alice', '42', 'bob', '20'] });
    // The reads give back the same, typed.
    expect(await board.top()).toEqual({
      version: 3,
      entries: [
        { player: 'alice', score: 42 },
        { player: 'bob', score: 20 },
      ],
    });
    expect(await board.history('alice')).toEqual([
      { updateId: 'u2', delta: 12, score: 42, at: Number(t1) },
      { updateId: 'u1', delta: 30, score: 30, at: Number(t0) },
    ]);
  });

  it('moves the cache version only when the top N changes (players, order or points)', async () => {
    const { board, keys } = freshBoard({ topN: 2 });
    await board.addScore('alice', 30);
    await board.addScore('bob', 20);
    const v = Number((await storedTop(keys.top))!.version);

    const outside = await board.addScore('carol', 5); // third: the top 2 is unchanged
    expect(outside).toMatchObject({ score: 5, topVersion: v, topChanged: false });
    expect(await storedTop(keys.top)).toEqual({ version: String(v), entries: ['alice', '30', 'bob', '20'] });

    const enters = await board.addScore('carol', 30); // 35: first, bob drops out
    expect(enters).toMatchObject({ score: 35, topVersion: v + 1, topChanged: true });
    expect(await storedTop(keys.top)).toEqual({ version: String(v + 1), entries: ['carol', '35', 'alice', '30'] });

    const points = await board.addScore('alice', 1); // same players, same order, new points: a change
    expect(points).toMatchObject({ topVersion: v + 2, topChanged: true });
    expect((await storedTop(keys.top))!.entries).toEqual(['carol', '35', 'alice', '31']);
  });

  it('lets the next player into the cached top when a player’s points fall', async () => {
    const { board, keys } = freshBoard({ topN: 2 });
    for (const [player, points] of [
      ['alice', 30],
      ['bob', 20],
      ['carol', 10],
    ] as const)
      await board.addScore(player, points);
    await board.addScore('alice', -25);
    expect((await storedTop(keys.top))!.entries).toEqual(['bob', '20', 'carol', '10']);
    expect(await admin.zscore(keys.scores, 'alice')).toBe('5');
  });

  it('lists tied players in the board’s own order (ids descending), as ZREVRANGE does', async () => {
    const { board, keys } = freshBoard({ topN: 3 });
    for (const player of ['ann', 'cid', 'bea', 'dan']) await board.addScore(player, 10);
    expect((await storedTop(keys.top))!.entries).toEqual(['dan', '10', 'cid', '10', 'bea', '10']);
  });

  it('keeps the last historyLength updates of a player, newest first', async () => {
    const { board, keys } = freshBoard({ historyLength: 3 });
    for (let i = 1; i <= 5; i++) await board.addScore('alice', i, { updateId: `u${i}` });
    expect((await storedHistory(keys.history('alice'))).map(([id, delta, score]) => [id, delta, score])).toEqual([
      ['u5', '5', '15'],
      ['u4', '4', '10'],
      ['u3', '3', '6'],
    ]);
  });

  it('adds fractional points exactly as Redis does, and keeps the same figure in all three places', async () => {
    const { board, keys } = freshBoard();
    await board.addScore('alice', 0.1);
    const update = await board.addScore('alice', 0.2);
    expect(update.score).toBe(0.1 + 0.2); // 0.30000000000000004: double arithmetic, in Redis as in JS
    expect(Number(await admin.zscore(keys.scores, 'alice'))).toBe(0.1 + 0.2);
    expect((await board.history('alice'))[0]!.score).toBe(0.1 + 0.2);
    expect((await board.top()).entries).toEqual([{ player: 'alice', score: 0.1 + 0.2 }]);
  });
});

describe('a repeated update id', () => {
  it('is answered with the first run’s result and changes nothing', async () => {
    const { board, keys } = freshBoard();
    const first = await board.addScore('alice', 10, { updateId: 'pay-1' });
    const again = await board.addScore('alice', 10, { updateId: 'pay-1' });
    expect(first).toMatchObject({ score: 10, replayed: false });
    expect(again).toEqual({
      player: 'alice',
      score: 10,
      topVersion: first.topVersion,
      topChanged: false,
      replayed: true,
    });
    expect(await admin.zscore(keys.scores, 'alice')).toBe('10');
    expect(await admin.llen(keys.history('alice'))).toBe(1);
    expect((await storedTop(keys.top))!.version).toBe(String(first.topVersion));
  });

  it('answers with the total of its own run, not the player’s current points', async () => {
    const { board } = freshBoard();
    await board.addScore('alice', 10, { updateId: 'a' });
    await board.addScore('alice', 5, { updateId: 'b' });
    expect(await board.addScore('alice', 10, { updateId: 'a' })).toMatchObject({ score: 10, replayed: true });
  });

  it('is recognised only while it is in the player’s history: historyLength - 1 later updates, not more', async () => {
    const { board, keys } = freshBoard({ historyLength: 3 });
    await board.addScore('alice', 100, { updateId: 'late' });
    await board.addScore('alice', 1);
    await board.addScore('alice', 1);
    expect(await board.addScore('alice', 100, { updateId: 'late' })).toMatchObject({ replayed: true });
    await board.addScore('alice', 1); // 'late' leaves the history
    expect(await board.addScore('alice', 100, { updateId: 'late' })).toMatchObject({ score: 203, replayed: false });
    expect(await admin.zscore(keys.scores, 'alice')).toBe('203');
  });
});

describe('when Redis refuses an update', () => {
  it('changes nothing when the history key holds another type: every check runs before the first write', async () => {
    const { board, keys } = freshBoard();
    await board.addScore('alice', 10);
    await board.addScore('bob', 5);
    const before = await storedTop(keys.top);
    await admin.set(keys.history('bob'), 'not a list');

    const err = await board.addScore('bob', 50).catch((e: unknown) => e);
    expect(isLuaLeaderboardError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^adding 50 to "bob" on board "b\d+" failed: .*WRONGTYPE/);
    expect(await admin.zscore(keys.scores, 'bob')).toBe('5');
    expect(await storedTop(keys.top)).toEqual(before);
  });

  it('changes nothing when the cache key holds another type', async () => {
    const { board, keys } = freshBoard();
    await board.addScore('alice', 10);
    await admin.del(keys.top);
    await admin.rpush(keys.top, 'not a hash');

    const err = await board.addScore('alice', 50).catch((e: unknown) => e);
    expect(isLuaLeaderboardError(err, 'service')).toBe(true);
    expect(await admin.zscore(keys.scores, 'alice')).toBe('10');
    expect(await admin.llen(keys.history('alice'))).toBe(1);
  });

  it('sends nothing when the signal is already aborted, and rejects with its reason', async () => {
    const { board, keys } = freshBoard();
    const controller = new AbortController();
    const reason = new Error('request cancelled');
    controller.abort(reason);
    await expect(board.addScore('alice', 10, { signal: controller.signal })).rejects.toBe(reason);
    expect(await admin.exists(keys.scores, keys.top, keys.history('alice'))).toBe(0);
  });
});
