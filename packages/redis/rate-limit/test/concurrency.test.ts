import { fileURLToPath } from 'node:url';
import { barrier, holdReplies, redisNamespace, spawnTsWorker, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  fixedWindow,
  slidingWindowCounter,
  slidingWindowLog,
  type LimiterOptions,
  type RateLimiter,
} from '../src/index.ts';
import { naiveSlidingWindowLog } from '../src/naive.ts';
import { T0, fakeClock } from './helpers.ts';

const CLIENTS = 100;
const LIMIT = 37;

let ns: RedisNamespace;
let connections: Redis[];
beforeAll(async () => {
  ns = await redisNamespace({ name: 'ratelimitconc' });
  connections = Array.from({ length: CLIENTS }, () => ns.client());
  await Promise.all(connections.map((c) => c.ping()));
});
afterAll(() => ns?.close());

type Factory = (o: LimiterOptions) => RateLimiter;
/**
 * One limiter per connection (as in separate API processes), all on the same key, all at once.
 * `hold` wraps each connection, to force an interleaving (see the naive test).
 */
async function stampede(factory: Factory, prefix: string, hold: (redis: Redis) => Redis = (redis) => redis) {
  const clock = fakeClock(T0 + 30_000); // mid-window: the window edge is not what is tested here
  const limiters = connections.map((redis) =>
    factory({ redis: hold(redis), clock, limit: LIMIT, windowMs: 60_000, prefix }),
  );
  return Promise.all(limiters.map((l) => l.consume('one-client')));
}

describe(`${CLIENTS} concurrent clients on ${CLIENTS} connections, limit ${LIMIT}`, () => {
  it.each([
    ['sliding-log', slidingWindowLog],
    ['sliding-counter', slidingWindowCounter],
    ['fixed-window', fixedWindow],
  ] as const)('%s admits exactly the limit, each remaining value handed out once', async (name, factory) => {
    // The same forced interleaving as the naive test below: a limiter that counted with ZCARD in its own
    // round trip would be held there until every caller had counted. One script per consume never is.
    const everyoneHasCounted = barrier(CLIENTS);
    const results = await stampede(factory, `c-${name}`, (redis) => holdReplies(redis, ['zcard'], everyoneHasCounted));
    const admitted = results.filter((r) => r.allowed);
    expect(admitted).toHaveLength(LIMIT);
    expect(admitted.map((r) => r.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    expect(results.filter((r) => !r.allowed).every((r) => r.remaining === 0 && r.retryAfterMs > 0)).toBe(true);
  });

  // The race made certain: a caller gets its ZCARD reply only once all CLIENTS callers' ZCARDs have been
  // answered, so every one of them counts the empty log before anyone adds to it.
  it(`breaks with the naive log (count and add as separate round trips): all ${CLIENTS} get through when every count comes before any add`, async () => {
    const everyoneHasCounted = barrier(CLIENTS);
    const results = await stampede(naiveSlidingWindowLog, 'naive', (redis) =>
      holdReplies(redis, ['zcard'], everyoneHasCounted),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(CLIENTS);
    expect(results.map((r) => r.remaining)).toEqual(Array.from({ length: CLIENTS }, () => LIMIT - 1));
  });
});

describe('several API processes sharing one Redis', () => {
  it('3 processes x 20 requests on one key with limit 25 admit exactly 25 in total', { timeout: 120_000 }, async () => {
    const prefix = `${ns.prefix}procs:`;
    const script = fileURLToPath(new URL('./worker.ts', import.meta.url));
    const workers = [0, 1, 2].map(() => spawnTsWorker(script, [prefix, '25', '20']));
    for (const w of workers) onTestFinished(() => w.kill());
    // Generous budgets: starting a TypeScript process takes seconds on a busy machine.
    await Promise.all(workers.map((w) => w.waitForLine('ready', 60_000)));
    await connections[0]!.rpush('procs:go', 'go', 'go', 'go');
    const lines = await Promise.all(workers.map((w) => w.waitForLine(/^admitted \d+$/, 60_000)));
    const total = lines.reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
    expect(total).toBe(25);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
  });
});
