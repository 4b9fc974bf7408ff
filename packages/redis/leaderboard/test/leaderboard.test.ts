import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboard, leaderboardKey, type Leaderboard, type RankedEntry } from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'board' });
  redis = ns.client();
});
afterAll(() => ns?.close());

// Seven players, three of them tied on 250. Redis lists ties by player id in descending byte order
// (dave, carol, bob); they share rank 2 and the next player is 5th (competition ranking, 1-2-2-2-5).
const PLAYERS: Array<[string, number]> = [
  ['alice', 300],
  ['bob', 250],
  ['carol', 250],
  ['dave', 250],
  ['erin', 200],
  ['frank', 100],
  ['grace', 50],
];
const e = (player: string, score: number, rank: number, position: number): RankedEntry => ({
  player,
  score,
  rank,
  position,
});
const ALICE = e('alice', 300, 1, 1);
const DAVE = e('dave', 250, 2, 2);
const CAROL = e('carol', 250, 2, 3);
const BOB = e('bob', 250, 2, 4);
const ERIN = e('erin', 200, 5, 5);
const FRANK = e('frank', 100, 6, 6);
const GRACE = e('grace', 50, 7, 7);

async function seeded(name: string): Promise<Leaderboard> {
  const board = leaderboard(redis, name);
  expect(await board.setScores(PLAYERS)).toBe(PLAYERS.length);
  return board;
}

describe('ranks on a known board with ties', () => {
  let board: Leaderboard;
  beforeAll(async () => {
    board = await seeded('known');
  });

  it('gives tied players the same rank and the next player the rank after all of them (1-2-2-2-5)', async () => {
    const ranks = await Promise.all(PLAYERS.map(([p]) => board.rank(p)));
    expect(ranks).toEqual([ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE]);
  });

  it('lists tied players by player id in descending order, each at a distinct position', async () => {
    expect(await board.top(7)).toEqual([ALICE, DAVE, CAROL, BOB, ERIN, FRANK, GRACE]);
  });

  it('returns exactly n entries for top(n), cutting through a tie without changing its rank', async () => {
    expect(await board.top(1)).toEqual([ALICE]);
    expect(await board.top(3)).toEqual([ALICE, DAVE, CAROL]);
    expect(await board.top(5)).toEqual([ALICE, DAVE, CAROL, BOB, ERIN]);
  });

  it('returns the whole board when n is larger than it', async () => {
    expect(await board.top(100)).toEqual([ALICE, DAVE, CAROL, BOB, ERIN, FRANK, GRACE]);
  });

  it('returns the k players above and below a player in the middle', async () => {
    expect(await board.around('carol', 2)).toEqual({ me: CAROL, above: [ALICE, DAVE], below: [BOB, ERIN] });
  });

  it('ranks a page that starts inside a tie from the players strictly above it, not from its position', async () => {
    // The page starts at carol (position 3), whose rank is 2: one player has more points.
    expect(await board.around('bob', 1)).toEqual({ me: BOB, above: [CAROL], below: [ERIN] });
    expect(await board.around('erin', 2)).toEqual({ me: ERIN, above: [CAROL, BOB], below: [FRANK, GRACE] });
  });

  it('returns nobody above the first player and k below', async () => {
    expect(await board.around('alice', 2)).toEqual({ me: ALICE, above: [], below: [DAVE, CAROL] });
  });

  it('returns k above the last player and nobody below', async () => {
    expect(await board.around('grace', 2)).toEqual({ me: GRACE, above: [ERIN, FRANK], below: [] });
  });

  it('returns fewer than k on the short side near an edge and k on the other', async () => {
    expect(await board.around('dave', 3)).toEqual({ me: DAVE, above: [ALICE], below: [CAROL, BOB, ERIN] });
  });

  it('returns only the player for k = 0 and the whole board when k covers it', async () => {
    expect(await board.around('erin', 0)).toEqual({ me: ERIN, above: [], below: [] });
    expect(await board.around('erin', 500)).toEqual({
      me: ERIN,
      above: [ALICE, DAVE, CAROL, BOB],
      below: [FRANK, GRACE],
    });
  });

  it('answers undefined for rank, around and score of a player who is not on the board', async () => {
    expect(await board.rank('zoe')).toBeUndefined();
    expect(await board.around('zoe', 2)).toBeUndefined();
    expect(await board.score('zoe')).toBeUndefined();
  });

  it('returns an empty top for an empty board', async () => {
    expect(await leaderboard(redis, 'empty').top(10)).toEqual([]);
    expect(await leaderboard(redis, 'empty').size()).toBe(0);
  });
});

describe('score updates', () => {
  it('adds points with ZINCRBY and returns the new total; a new player starts from 0', async () => {
    const board = leaderboard(redis, 'updates');
    expect(await board.addScore('ann', 40)).toBe(40);
    expect(await board.addScore('ann', 2)).toBe(42);
    expect(await board.addScore('ann', -12)).toBe(30);
    expect(await board.score('ann')).toBe(30);
    expect(await redis.zscore(leaderboardKey('updates'), 'ann')).toBe('30');
  });

  it('moves a player out of a tie when they score, and the others keep sharing the rank', async () => {
    const board = await seeded('move');
    expect(await board.addScore('bob', 60)).toBe(310);
    expect(await board.top(5)).toEqual([
      e('bob', 310, 1, 1),
      e('alice', 300, 2, 2),
      e('dave', 250, 3, 3),
      e('carol', 250, 3, 4),
      e('erin', 200, 5, 5),
    ]);
    // Reaching an existing score joins the tie: frank now shares rank 5 with erin, and is listed
    // before her ("frank" > "erin"): the listing order is the id's, not who got there first.
    expect(await board.addScore('frank', 100)).toBe(200);
    expect(await board.around('frank', 1)).toEqual({
      me: e('frank', 200, 5, 5),
      above: [e('carol', 250, 3, 4)],
      below: [e('erin', 200, 5, 6)],
    });
  });

  it('replaces a score with setScore and counts only new players from setScores', async () => {
    const board = await seeded('set');
    await board.setScore('grace', 999);
    expect(await board.rank('grace')).toEqual(e('grace', 999, 1, 1));
    expect(
      await board.setScores([
        ['grace', 0],
        ['henry', 1],
      ]),
    ).toBe(1);
    expect(await board.size()).toBe(8);
    expect(await board.rank('grace')).toEqual(e('grace', 0, 8, 8));
  });

  it('keeps fractional and negative scores and ranks them in numeric order', async () => {
    const board = leaderboard(redis, 'fractions');
    await board.setScores([
      ['a', 0.5],
      ['b', -3],
      ['c', 2.25],
      ['d', 0.5],
    ]);
    expect(await board.top(4)).toEqual([e('c', 2.25, 1, 1), e('d', 0.5, 2, 2), e('a', 0.5, 2, 3), e('b', -3, 4, 4)]);
  });

  it('removes a player and closes the gap in ranks', async () => {
    const board = await seeded('remove');
    expect(await board.remove('alice')).toBe(true);
    expect(await board.remove('alice')).toBe(false);
    expect(await board.rank('bob')).toEqual(e('bob', 250, 1, 3));
    expect(await board.size()).toBe(6);
  });

  it('loads more than one ZADD chunk (1 000 players) in one setScores call', async () => {
    const board = leaderboard(redis, 'bulk');
    const entries = Array.from({ length: 2_500 }, (_, i) => [`p${String(i).padStart(4, '0')}`, i] as const);
    expect(await board.setScores(entries)).toBe(2_500);
    expect(await board.size()).toBe(2_500);
    expect(await board.rank('p0000')).toEqual(e('p0000', 0, 2_500, 2_500));
    expect(await board.top(2)).toEqual([e('p2499', 2_499, 1, 1), e('p2498', 2_498, 2, 2)]);
  });
});
