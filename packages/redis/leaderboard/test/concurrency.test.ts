import { barrier, holdReplies, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboard, type RankedEntry } from '../src/index.ts';
import { naiveLeaderboard } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'boardconc' });
  redis = ns.client();
});
afterAll(() => ns?.close());

describe('concurrent score updates', () => {
  const CLIENTS = 20;
  const EACH = 50;
  const PLAYERS = ['ann', 'ben', 'cat', 'dan', 'eve'];
  // Client c adds c + 1 points per update, cycling through the players from a different start.
  const updates = (c: number): Array<[string, number]> =>
    Array.from({ length: EACH }, (_, i) => [PLAYERS[(c + i) % PLAYERS.length]!, c + 1]);
  const expected = new Map(PLAYERS.map((p) => [p, 0]));
  for (let c = 0; c < CLIENTS; c++) for (const [p, d] of updates(c)) expected.set(p, expected.get(p)! + d);

  it(`ends with the exact total of every player when ${CLIENTS} clients ZINCRBY at once (${CLIENTS * EACH} updates)`, async () => {
    const clients = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(
      clients.map(async (client, c) => {
        const board = leaderboard(client, 'zincrby');
        for (const [player, delta] of updates(c)) await board.addScore(player, delta);
      }),
    );
    const board = leaderboard(redis, 'zincrby');
    for (const player of PLAYERS) expect(await board.score(player)).toBe(expected.get(player));
  });

  // The race made certain: EACH lock-step rounds, and in each a caller gets its ZSCORE reply only once
  // every caller's ZSCORE has been answered, so all reads of a round come before any write.
  it(`ends with the exact totals in lock-step rounds too (all ${CLIENTS} clients fire each round together)`, async () => {
    const everyoneIsReady = barrier(CLIENTS);
    const clients = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(
      clients.map(async (client, c) => {
        const board = leaderboard(client, 'zincrby-rounds');
        for (const [player, delta] of updates(c)) {
          await everyoneIsReady();
          await board.addScore(player, delta);
        }
      }),
    );
    const board = leaderboard(redis, 'zincrby-rounds');
    for (const player of PLAYERS) expect(await board.score(player)).toBe(expected.get(player));
  });

  it(`loses updates for every player when the same ${CLIENTS} clients read the score, add in the client and ZADD it back, every read of a round before any write`, async () => {
    const everyoneHasRead = barrier(CLIENTS);
    const clients = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(
      clients.map(async (client, c) => {
        const board = naiveLeaderboard(holdReplies(client, ['zscore'], everyoneHasRead), 'read-modify-write');
        for (const [player, delta] of updates(c)) await board.addScore(player, delta);
      }),
    );
    // Each round, CLIENTS / PLAYERS clients read the same score of a player and each writes back its own
    // sum: one of them survives, the others' points are overwritten by a stale read.
    const board = leaderboard(redis, 'read-modify-write');
    for (const player of PLAYERS) {
      const score = await board.score(player);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThan(expected.get(player)!);
    }
  });
});

describe('"around me" while the player keeps scoring', () => {
  // 200 other players on 0, 10, ... 1 990 points, who do not move; "me" starts at 1 000 and is pushed
  // around by writers that each add 700 points and take them away again, so its position jumps
  // between the middle of the board and the top while pages are read.
  const OTHERS: Array<[string, number]> = Array.from({ length: 200 }, (_, i) => [
    `p${String(i).padStart(3, '0')}`,
    i * 10,
  ]);
  const WRITERS = 4;
  const READS = 150;
  const K = 3;

  /** The page a consistent read must return for "me" on `score`, computed by sorting in JS. */
  function expectedPage(score: number): { me: RankedEntry; above: RankedEntry[]; below: RankedEntry[] } {
    const all: Array<[string, number]> = [...OTHERS, ['me', score]];
    all.sort(([pa, a], [pb, b]) => b - a || (pa < pb ? 1 : -1)); // points descending, then id descending
    const entries = all.map(([player, s], i) => ({
      player,
      score: s,
      rank: 1 + all.filter(([, x]) => x > s).length,
      position: i + 1,
    }));
    const mine = entries.findIndex((x) => x.player === 'me');
    return {
      me: entries[mine]!,
      above: entries.slice(Math.max(0, mine - K), mine),
      below: entries.slice(mine + 1, mine + 1 + K),
    };
  }

  async function readUnderChurn(
    name: string,
    read: (player: string) => Promise<{ me: RankedEntry | undefined } | undefined>,
  ) {
    const board = leaderboard(redis, name);
    await board.setScores([...OTHERS, ['me', 1_000]]);
    let stop = false;
    const writers = Array.from({ length: WRITERS }, async () => {
      const w = leaderboard(ns.client(), name);
      while (!stop) {
        await w.addScore('me', 700);
        await w.addScore('me', -700);
      }
    });
    const pages: Array<{ me: RankedEntry | undefined } | undefined> = [];
    try {
      for (let i = 0; i < READS; i++) pages.push(await read('me'));
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    return pages;
  }

  it(`returns ${READS} pages that are each exactly right for the score they show while ${WRITERS} writers move the player (one Lua script)`, async () => {
    const board = leaderboard(redis, 'around-lua');
    const pages = await readUnderChurn('around-lua', (p) => board.around(p, K));
    for (const page of pages) {
      expect(page!.me!.player).toBe('me');
      expect(page).toEqual(expectedPage(page!.me!.score));
    }
  });

  // The interleaving that breaks three round trips, made certain: after each command the reader sends,
  // another connection moves "me" by 700 points (up, then down, then up ...). The same for both versions.
  const READER_COMMANDS = ['evalsha', 'eval', 'zrevrank', 'zrevrange', 'zcount', 'zscore', 'zrange'];
  function movedAfterEachCommand(name: string): Redis {
    const mover = leaderboard(ns.client(), name);
    let up = true;
    return holdReplies(ns.client(), READER_COMMANDS, async () => {
      await mover.addScore('me', up ? 700 : -700);
      up = !up;
    });
  }

  it(`returns the exact page for the score it shows, ${READS} times, when "me" moves after each read (one Lua script)`, async () => {
    await leaderboard(redis, 'moved-lua').setScores([...OTHERS, ['me', 1_000]]);
    const board = leaderboard(movedAfterEachCommand('moved-lua'), 'moved-lua');
    for (let i = 0; i < READS; i++) {
      const page = await board.around('me', K);
      expect(page).toEqual(expectedPage(i % 2 === 0 ? 1_000 : 1_700)); // moved between reads, never within one
    }
  });

  it(`returns a page with someone else, or nobody, where the player should be, ${READS} times of ${READS}, when "me" moves between the three round trips`, async () => {
    await leaderboard(redis, 'moved-naive').setScores([...OTHERS, ['me', 1_000]]);
    const board = naiveLeaderboard(movedAfterEachCommand('moved-naive'), 'moved-naive');
    const pages = [];
    for (let i = 0; i < READS; i++) pages.push(await board.around('me', K));
    const wrong = pages.filter((page) => page?.me?.player !== 'me');
    expect(wrong).toHaveLength(READS);
  });
});
