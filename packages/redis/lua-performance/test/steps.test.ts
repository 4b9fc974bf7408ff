// The four ways against the shared Redis (a key prefix of the suite's own): the same result for the same
// steps at N = 1, 10 and 100, read back from the server; and the "break it" case, a reader between the
// steps, made certain with a relay that holds the writer's commands after the second one.
import { redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  isLuaPerformanceError,
  luaSteps,
  multiSteps,
  pipelineSteps,
  type NStepOperation,
  type StepsResult,
} from '../src/index.ts';
import { roundTripSteps } from '../src/naive.ts';
import { splitLink } from './split-link.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_perf' });
  admin = ns.client();
});
afterAll(() => ns?.close());

const ways = (redis: Redis): NStepOperation[] => [
  luaSteps(redis),
  multiSteps(redis),
  pipelineSteps(redis),
  roundTripSteps(redis),
];

/** Amounts that are not all alike (negative ones too), the same for every way. */
const amountsFor = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 37) % 23) - 7);

describe('the same N-step operation, four ways', () => {
  it.each([1, 10, 100])('gives the same steps and read at N = %i, and leaves the same counter', async (n) => {
    const amounts = amountsFor(n);
    const results: Record<string, StepsResult> = {};
    for (const way of ways(ns.client())) {
      const key = `equal:${n}:${way.strategy}`;
      await admin.set(key, '1000');
      results[way.strategy] = await way.apply(key, amounts);
      expect(await admin.get(key)).toBe(String(1000 + amounts.reduce((a, b) => a + b, 0)));
    }
    const expected: StepsResult = {
      steps: amounts.map((_, i) => 1000 + amounts.slice(0, i + 1).reduce((a, b) => a + b, 0)),
      value: 1000 + amounts.reduce((a, b) => a + b, 0),
    };
    expect(results).toEqual({ lua: expected, multi: expected, pipeline: expected, 'round-trips': expected });
  });

  it('costs one round trip for any N except one per step and the read for round trips', () => {
    expect(ways(admin).map((w) => [w.strategy, w.roundTrips(1), w.roundTrips(100)])).toEqual([
      ['lua', 1, 1],
      ['multi', 1, 1],
      ['pipeline', 1, 1],
      ['round-trips', 2, 101],
    ]);
  });

  it('rolls back no step that failed: Lua and round trips stop at it, MULTI/EXEC and a pipeline run the rest', async () => {
    const near = '9223372036854775800'; // 7 below the largest 64-bit integer: step 2 (+100) overflows
    const after: Record<string, string | null> = {};
    for (const way of ways(ns.client())) {
      const key = `overflow:${way.strategy}`;
      await admin.set(key, near);
      const err = await way.apply(key, [1, 100, 1]).catch((e: unknown) => e);
      expect(isLuaPerformanceError(err, 'service')).toBe(true);
      expect((err as Error).message).toContain('increment or decrement would overflow');
      after[way.strategy] = await admin.get(key);
    }
    expect(after).toEqual({
      lua: '9223372036854775801', // step 1 applied, the script stopped at step 2
      'round-trips': '9223372036854775801', // step 1 applied, step 2 threw, step 3 never sent
      multi: '9223372036854775802', // steps 1 and 3 applied, step 2 failed inside EXEC
      pipeline: '9223372036854775802',
    });
  });
});

describe('break it: a reader between the steps', () => {
  const N = 10;
  /** A writer whose commands pass a relay that holds them after the 2nd; the reader reads while they are held. */
  async function readBetweenSteps(make: (redis: Redis) => NStepOperation) {
    const link = await splitLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const writer = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    onTestFinished(() => void writer.disconnect());
    const op = make(writer);
    await op.apply('warm-up', [0]); // connected, and the script cached: what is held below is this operation
    const key = `torn:${op.strategy}`;

    const held = link.holdAfter(2);
    const applying = op.apply(key, Array<number>(N).fill(1));
    await Promise.race([held, applying]); // a single-command way (Lua) finishes; the others are held
    const seen = Number((await admin.get(key)) ?? 0);
    link.release();
    const result = await applying;
    return { seen, result };
  }

  it.each([
    { what: 'round trips', make: roundTripSteps, applied: 2 },
    { what: 'a pipeline', make: pipelineSteps, applied: 2 },
  ])(
    '$what: the reader sees 2 of 10 steps applied, a state no complete operation leaves',
    async ({ make, applied }) => {
      const { seen, result } = await readBetweenSteps(make);
      expect(seen).toBe(applied); // part of an operation
      expect(seen % N).not.toBe(0);
      expect(result.value).toBe(N);
    },
  );

  it.each([
    { what: 'Lua', make: luaSteps, applied: N },
    { what: 'MULTI/EXEC', make: multiSteps, applied: 0 },
  ])('$what: the reader sees all of the steps or none, never part', async ({ make, applied }) => {
    const { seen, result } = await readBetweenSteps(make);
    expect(seen).toBe(applied);
    expect(seen % N).toBe(0);
    expect(result.value).toBe(N);
  });
});
