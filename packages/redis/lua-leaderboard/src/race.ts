// The three ways of writing an update side by side, and free-running writers with a reader taking
// snapshots (the interleavings that tell them apart are made certain with the harness's holdReplies).
// Shared by the demo, the tests and the bench; not part of the package's API.
import type { Redis } from 'ioredis';
import { disagreements, luaLeaderboard, type Leaderboard, type LeaderboardOptions } from './index.ts';
import { multiLeaderboard, roundTripLeaderboard } from './naive.ts';

export type Variant = 'script' | 'multi' | 'round trips';

export const variants: Record<Variant, (redis: Redis, options: LeaderboardOptions) => Leaderboard> = {
  script: luaLeaderboard,
  multi: multiLeaderboard,
  'round trips': roundTripLeaderboard,
};

/** The reply a writer's decision depends on: after it, the writer writes what it decided. */
export const decisionRead: Record<Variant, string> = {
  script: 'evalsha', // the whole update: a client cannot get between the steps of a script
  multi: 'exec', // the first EXEC is the MULTI of reads
  'round trips': 'zrevrange',
};

/** Every command each variant sends for one update (the script's one call; MULTI's two EXECs). */
export const everyStep: Record<Variant, string[]> = {
  script: ['evalsha'],
  multi: ['exec'],
  'round trips': ['zincrby', 'lpush', 'ltrim', 'zrevrange', 'hmget', 'hset'],
};

/** `action` on the first call only; later calls resolve at once. */
export function once(action: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action().then(() => undefined));
}

export interface FreeRun {
  /** Snapshots the reader took while the writers ran, and how many of them disagreed. */
  reads: number;
  torn: number;
  /** What the reader finds wrong once every writer is done (stays wrong until a later update fixes it). */
  final: string[];
  /** Points on the board at the end, and the sum of every delta sent. */
  points: number;
  sent: number;
}

/**
 * Free-running concurrency: one writer per client, each making `updates` updates round-robin over
 * `players`, while `reader` takes snapshots (cache, top, scores, newest history entries) back to back.
 */
export async function freeRun(
  variant: Variant,
  clients: readonly Redis[],
  reader: Redis,
  options: { name: string; updates: number; players: readonly string[]; topN: number },
): Promise<FreeRun> {
  const { name, updates, players, topN } = options;
  const reading = variants[variant](reader, { name, topN });
  let writing = true;
  let reads = 0;
  let torn = 0;
  const polling = (async () => {
    while (writing) {
      reads++;
      if (disagreements(await reading.snapshot(players)).length > 0) torn++;
    }
  })();
  let sent = 0;
  try {
    await Promise.all(
      clients.map(async (client, w) => {
        const writer = variants[variant](client, { name, topN });
        for (let u = 0; u < updates; u++) {
          const delta = 1 + ((w * u) % 7);
          sent += delta;
          await writer.addScore(players[(w + u) % players.length]!, delta);
        }
      }),
    );
  } finally {
    writing = false;
    await polling;
  }
  const snapshot = await reading.snapshot(players);
  const points = snapshot.players.reduce((sum, p) => sum + (p.score ?? 0), 0);
  return { reads, torn, final: disagreements(snapshot), points, sent };
}
