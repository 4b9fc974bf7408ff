// Break it: the same update written three ways, under interleavings made certain by holding a writer's
// reply (the server stays real: only when the writer hears the answer changes) and under free-running
// concurrent writers. A reader reads the cache, the board's top and each player's score and newest history
// entry in one MULTI; the script never lets it see them disagree, the other two do (each its own way).
import { holdReplies, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disagreements, type Leaderboard, type ScoreUpdate } from '../src/index.ts';
import { decisionRead, everyStep, freeRun, once, variants, type FreeRun, type Variant } from '../src/race.ts';

let ns: RedisNamespace;
let reader: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_leaderboard_race' });
  reader = ns.client();
});
afterAll(() => ns?.close());

let boards = 0;
/** The variant's board on `redis` and a reader's view of the same board on its own connection. */
function boardPair(variant: Variant, redis: Redis, topN = 2): { writer: Leaderboard; reading: Leaderboard } {
  const name = `race${++boards}`;
  return { writer: variants[variant](redis, { name, topN }), reading: variants[variant](reader, { name, topN }) };
}

describe('a reader between the steps of one update', () => {
  // alice 30, bob 20 in the top 2; bob +20 puts him first: the update changes score, history and cache.
  it.each([
    ['round trips', 5, 6],
    ['multi', 0, 2],
    ['script', 0, 1],
  ] as const)(
    '%s: %i of the %i reads taken after each reply of the writer see the cache and the scores disagree',
    async (variant, torn, reads) => {
      const name = `race${++boards}`;
      const reading = variants[variant](reader, { name, topN: 2 });
      const snapshots: string[][] = [];
      const held = holdReplies(ns.client(), everyStep[variant], async () => {
        snapshots.push(disagreements(await reading.snapshot(['bob'])));
      });
      const writer = variants[variant](held, { name, topN: 2 });
      const filler = variants[variant](ns.client(), { name, topN: 2 }); // not held
      await filler.addScore('alice', 30);
      await filler.addScore('bob', 20);

      await writer.addScore('bob', 20);

      expect(snapshots).toHaveLength(reads);
      expect(snapshots.filter((problems) => problems.length > 0)).toHaveLength(torn);
      expect(disagreements(await reading.snapshot(['alice', 'bob']))).toEqual([]); // once done, all agree
      if (variant === 'round trips')
        expect(snapshots[0]).toEqual([
          "cached top (version 2) is [alice 30, bob 20], the board's is [bob 40, alice 30]",
          'bob has 40 points, the newest history entry says 20',
        ]);
    },
  );
});

describe('a whole update by another writer between one writer’s read and its write', () => {
  // alice 30, bob 20. A adds 5 to bob, B adds 50 to bob; B's whole update runs right after A's decision
  // read. Top versions handed out [A, B]: MULTI gives version 3 to two different tops.
  it.each([
    ['round trips', [4, 3], ["cached top (version 4) is [alice 30, bob 25], the board's is [bob 75, alice 30]"]],
    [
      'multi',
      [3, 3],
      [
        "cached top (version 3) is [alice 30, bob 25], the board's is [bob 75, alice 30]",
        'bob has 75 points, the newest history entry says 25',
      ],
    ],
    ['script', [3, 4], []],
  ] as const)(
    '%s hands out top versions %j and leaves these disagreements, for good: %j',
    async (variant, versions, expected) => {
      const { writer: b, reading } = boardPair(variant, ns.client());
      await b.addScore('alice', 30);
      await b.addScore('bob', 20);
      let bUpdate: ScoreUpdate | undefined;
      const heldA = holdReplies(
        ns.client(),
        [decisionRead[variant]],
        once(async () => (bUpdate = await b.addScore('bob', 50))),
      );
      const a = variants[variant](heldA, { name: b.name, topN: 2 });

      const aUpdate = await a.addScore('bob', 5);

      expect([aUpdate.topVersion, bUpdate!.topVersion]).toEqual(versions);
      const snapshot = await reading.snapshot(['alice', 'bob']);
      expect(snapshot.players.map((p) => p.score)).toEqual([30, 75]); // ZINCRBY loses no points in any variant
      expect(disagreements(snapshot)).toEqual(expected);
    },
  );
});

describe('free-running concurrent writers and a polling reader', () => {
  const WRITERS = 8;
  const UPDATES = 25;
  const PLAYERS = ['p0', 'p1', 'p2', 'p3'];
  let writers: Redis[];
  beforeAll(() => {
    writers = Array.from({ length: WRITERS }, () => ns.client()); // one connection per writer
  });
  const round = (variant: Variant): Promise<FreeRun> =>
    freeRun(variant, writers, reader, { name: `free${++boards}`, updates: UPDATES, players: PLAYERS, topN: 2 });

  it(`script: no read disagrees, during or after ${WRITERS} writers x ${UPDATES} updates, in 5 rounds; no point is lost`, async () => {
    for (let r = 0; r < 5; r++) {
      const { reads, torn, final, points, sent } = await round('script');
      expect(reads).toBeGreaterThan(0);
      expect({ torn, final, points }).toEqual({ torn: 0, final: [], points: sent });
    }
  });

  it.each(['round trips', 'multi'] as const)(
    '%s: a read disagrees, during or after the writes, within 20 rounds; no point is lost',
    async (variant) => {
      let seen = 0;
      for (let r = 0; r < 20 && seen === 0; r++) {
        const { torn, final, points, sent } = await round(variant);
        expect(points).toBe(sent);
        seen = torn + (final.length > 0 ? 1 : 0);
      }
      expect(seen).toBeGreaterThan(0);
    },
  );
});
