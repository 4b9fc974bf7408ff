import { redisNamespace, type RedisNamespace } from '@poc/harness';
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
  const expectedTotal = [...expected.values()].reduce((a, b) => a + b, 0);

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

  it(`loses updates when the same ${CLIENTS} clients read the score, add in the client and ZADD it back`, async () => {
    const clients = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(
      clients.map(async (client, c) => {
        const board = naiveLeaderboard(client, 'read-modify-write');
        for (const [player, delta] of updates(c)) await board.addScore(player, delta);
      }),
    );
    const board = leaderboard(redis, 'read-modify-write');
    const scores = await Promise.all(PLAYERS.map((p) => board.score(p)));
    const total = scores.reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(expectedTotal); // points were lost: overwritten by a stale read
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

  it(`returns ${READS} pages that are each exactly right for the score they show (one Lua script)`, async () => {
    const board = leaderboard(redis, 'around-lua');
    const pages = await readUnderChurn('around-lua', (p) => board.around(p, K));
    const scoresSeen = new Set<number>();
    for (const page of pages) {
      expect(page!.me!.player).toBe('me');
      scoresSeen.add(page!.me!.score);
      expect(page).toEqual(expectedPage(page!.me!.score));
    }
    expect(scoresSeen.size).toBeGreaterThan(1); // the player really moved while the pages were read
  });

  it('returns pages with someone else, or nobody, where the player should be when read in three round trips', async () => {
    const board = naiveLeaderboard(redis, 'around-naive');
    const pages = await readUnderChurn('around-naive', (p) => board.around(p, K));
    const wrong = pages.filter(
      (page) => page?.me?.player !== 'me' || JSON.stringify(page) !== JSON.stringify(expectedPage(page.me.score)),
    );
    expect(wrong.length).toBeGreaterThan(0);
  });
});
