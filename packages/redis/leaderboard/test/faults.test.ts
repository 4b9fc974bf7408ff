import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LeaderboardServiceError, isLeaderboardError, leaderboard } from '../src/index.ts';

describe('when Redis fails', () => {
  it('reloads its Lua scripts after the server forgot them (SCRIPT FLUSH), then surfaces a stopped server as LeaderboardServiceError', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    redis.on('error', () => {}); // reconnect errors while the server is down are expected; the commands report them
    const board = leaderboard(redis, 'faults');
    await board.setScores([
      ['ann', 3],
      ['ben', 2],
      ['cat', 1],
    ]);
    expect((await board.rank('ben'))?.rank).toBe(2);

    // EVALSHA now answers NOSCRIPT; the board falls back to EVAL, which caches the script again.
    const sha = createHash('sha1')
      .update(readFileSync(new URL('../src/lua/rank-1.lua', import.meta.url), 'utf8'))
      .digest('hex');
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    expect(await board.rank('ben')).toEqual({ player: 'ben', score: 2, rank: 2, position: 2 });
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    expect(await board.around('ben', 1)).toEqual({
      me: { player: 'ben', score: 2, rank: 2, position: 2 },
      above: [{ player: 'ann', score: 3, rank: 1, position: 1 }],
      below: [{ player: 'cat', score: 1, rank: 3, position: 3 }],
    });

    await server.stop();
    for (const call of [
      () => board.addScore('ann', 1),
      () => board.rank('ann'),
      () => board.top(3),
      () => board.around('ann', 1),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LeaderboardServiceError);
      expect(isLeaderboardError(err, 'service')).toBe(true);
      expect((err as Error).message).toMatch(/^.+ on leaderboard "faults" failed: /);
      expect((err as Error).cause).toBeInstanceOf(Error);
    }
  });
});
