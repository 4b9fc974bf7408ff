// Faults: a writer killed in the middle of an update, a reply lost after Redis acted (and re-sent by
// ioredis), Redis down, restarted (empty script cache) and SIGKILLed with an append-only file. What
// the script promises in each: an update is all there or not there, once, and what was acknowledged stays.
import { fileURLToPath } from 'node:url';
import {
  faultyLink,
  privateRedis,
  redisClient,
  redisNamespace,
  spawnTsWorker,
  type RedisNamespace,
} from '@poc/harness';
import { loadLua } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { disagreements, isLuaLeaderboardError, luaLeaderboard } from '../src/index.ts';
import { variants, type Variant } from '../src/race.ts';

const writerScript = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const script = loadLua(new URL('../src/lua/add-score-3.lua', import.meta.url));

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_leaderboard_faults' });
  admin = ns.client();
});
afterAll(() => ns?.close());

let boards = 0;

describe('a writer SIGKILLed in the middle of an update', () => {
  // alice 30 is on the board; the writer adds 20 to bob (acknowledged), then 20 more, and dies after hearing
  // the reply named in the row: for the round trips that is after ZINCRBY, the first of six commands.
  it.each([
    [
      'round trips',
      'zincrby',
      40,
      [
        "cached top (version 2) is [alice 30, bob 20], the board's is [bob 40, alice 30]",
        'bob has 40 points, the newest history entry says 20',
      ],
    ],
    ['multi', 'exec', 20, []],
    ['script', 'evalsha', 40, []],
  ] as const)(
    '%s, killed after the reply to %s: bob has %i points and the board shows %j',
    async (variant, command, points, expected) => {
      const name = `killed${++boards}`;
      await variants[variant](admin, { name, topN: 2 }).addScore('alice', 30);
      const writer = spawnTsWorker(writerScript, [ns.url, ns.prefix, variant, name, command]);
      onTestFinished(() => writer.kill());
      expect(await writer.waitForLine(/^acked /)).toBe('acked 20');
      await writer.waitForLine(/^holding$/);

      await writer.kill(); // SIGKILL: the update's remaining steps are never sent

      const snapshot = await variants[variant](admin, { name, topN: 2 }).snapshot(['bob']);
      expect(snapshot.players[0]!.score).toBe(points);
      expect(disagreements(snapshot)).toEqual(expected);
    },
  );
});

describe('a reply lost after Redis acted, re-sent by ioredis (faultyLink)', () => {
  // The first reply of the update is lost and its connection reset; ioredis reconnects and sends the
  // command again. For the script that is the whole update, which finds its id in bob's history; for
  // the round trips it is ZINCRBY, which adds the points a second time.
  it.each([
    ['script', 10, true],
    ['round trips', 20, false],
  ] as const)(
    '%s: one call of +10 leaves bob with %i points (replayed: %s) and one history entry',
    async (variant: Variant, points, replayed) => {
      const link = await faultyLink(new URL(ns.url).host);
      onTestFinished(() => link.close());
      const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
      client.on('error', () => {}); // the reset is the point; commands report what they lose
      onTestFinished(() => void client.disconnect());
      const board = variants[variant](client, { name: `resent${++boards}` });
      await board.addScore('warm-up', 1); // loads the script: the reply lost below is the update's, not NOSCRIPT

      const lost = link.dropNextReply();
      const update = await board.addScore('bob', 10);
      await lost;

      expect(link.connections).toBe(2); // the answer came on the new connection
      expect(update).toMatchObject({ score: points, replayed });
      expect((await board.snapshot(['bob'])).players[0]!.score).toBe(points);
      expect((await board.history('bob')).map((e) => [e.delta, e.score])).toEqual([[10, points]]);
    },
  );
});

describe('Redis down, restarted, SIGKILLed (a private server per test)', () => {
  async function serverWithClient(config?: Array<[string, string]>) {
    const server = await privateRedis(config ? { config } : {});
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    redis.on('error', () => {}); // errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    return { server, redis };
  }

  it('rejects with a ServiceError naming the update while Redis is down, and works once it is back', async () => {
    const { server, redis } = await serverWithClient();
    const board = luaLeaderboard(redis, { name: 'down' });
    await server.stop();
    const err = await board.addScore('bob', 10).catch((e: unknown) => e);
    expect(isLuaLeaderboardError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^adding 10 to "bob" on board "down" failed: /);
    await server.start();
    expect(await board.addScore('bob', 10)).toMatchObject({ score: 10, replayed: false });
  });

  it('reloads its script after a restart empties the script cache (EVALSHA → NOSCRIPT → EVAL)', async () => {
    const { server, redis } = await serverWithClient();
    const board = luaLeaderboard(redis, { name: 'restart' });
    await board.addScore('bob', 10);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    await server.restart(); // no persistence: the board and the script cache are both gone
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
    expect(await board.addScore('bob', 10)).toMatchObject({ score: 10, topVersion: 1 });
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    expect(disagreements(await board.snapshot(['bob']))).toEqual([]);
  });

  // A process kill keeps the kernel's page cache, so it cannot tell appendfsync always from no (see
  // poc-redis-lock); what it does tell apart is an append-only file or none.
  it.each([
    {
      setting: 'appendonly yes',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ] as Array<[string, string]>,
      kept: true,
    },
    { setting: 'no persistence', config: [] as Array<[string, string]>, kept: false },
  ])('with $setting, a SIGKILL of Redis keeps every acknowledged update, whole: $kept', async ({ config, kept }) => {
    const { server, redis } = await serverWithClient(config);
    const board = luaLeaderboard(redis, { name: 'aof', topN: 3 });
    const players = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const acked = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const player = players[i % players.length]!;
        await board.addScore(player, i);
        acked.set(player, (acked.get(player) ?? 0) + i);
      }),
    );

    await server.kill(); // SIGKILL: no shutdown, nothing more written to the AOF
    await server.start();

    const snapshot = await board.snapshot(players);
    expect(snapshot.players.map((p) => p.score)).toEqual(players.map((p) => (kept ? acked.get(p) : undefined)));
    expect(disagreements(snapshot)).toEqual([]); // a board that is gone is empty everywhere
    for (const player of players) expect(await board.history(player)).toHaveLength(kept ? 20 : 0);
  });
});
