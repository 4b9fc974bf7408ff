// pnpm --filter poc-redis-lua-token-bucket bench. The POC's own claim (the roadmap gives none for #17):
// one Lua script per take keeps a bucket's admitted count within a token of capacity + rate × elapsed
// under concurrent greedy callers, where the GET/compute/SET version over-admits, and it does so at a
// throughput comparable to rate-limiter-flexible's token-bucket-like limiter on the same Redis.
//
// 1. Accuracy (facts), in real time on the server's clock: CONCURRENCY greedy callers hammer one fresh
//    bucket for ACCURACY_MS; the bound is capacity + rate × (TIME just after the last take ran − TIME
//    just before the first, both on the takes' own connection). Per round and variant: admitted − bound (0 or −1 is
//    exact: the last fraction of a token was still accruing; anything above 0 is over-admission). Lua
//    and naive alternate, each on a fresh key.
// 2. Throughput (compareLoad, CONCURRENCY callers, one shared connection as in one API process):
//    many clients mostly admitted, and one hot client mostly denied.
//
// The peer: rate-limiter-flexible 11.4.0 has no token bucket. Its docs point to BurstyRateLimiter for
// "traffic burst support" ("implementation easier than with TokenBucket"): a steady limiter plus a burst
// allowance consulted only when the steady one refuses. Configured as the bucket's nearest equivalent:
// steady = RateLimiterRedis { points: rate per second, duration: 1 }, burst = RateLimiterRedis { points:
// capacity − rate, duration: capacity ÷ rate s (the bucket's time to refill from empty) }, so a fresh key
// admits `capacity` at once, like the bucket. Both on the same ioredis client, with the library's
// defaults otherwise (EVALSHA of its own script per limiter call). Its ratio is the baseline.
import { benchProfile, benchReport, compareLoad, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { tokenBucket, type TokenBucket } from '../src/index.ts';
import { naiveTokenBucket } from '../src/naive.ts';

const short = benchProfile() === 'short';
const CAPACITY = 200;
const RATE = { tokens: 100, perMs: 1_000 }; // 100 per second
const CONCURRENCY = 16;
const ACCURACY_MS = short ? 300 : 2_000;
const ACCURACY_ROUNDS = short ? 1 : 3;
const CLIENT_KEYS = 1_000;
const LOAD_MS = 750;
const ROUNDS = 6;

type Take = (key: string) => Promise<boolean>;
const ours =
  (bucket: TokenBucket): Take =>
  async (key) =>
    (await bucket.take(key)).allowed;

function bursty(redis: Redis, prefix: string): Take {
  const perSecond = (RATE.tokens * 1_000) / RATE.perMs;
  const limiter = new BurstyRateLimiter(
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}-rate`, points: perSecond, duration: 1 }),
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}-burst`,
      points: CAPACITY - perSecond,
      duration: CAPACITY / perSecond,
    }),
  );
  return (key) =>
    limiter.consume(key).then(
      () => true,
      (r: unknown) => {
        if (r instanceof RateLimiterRes) return false;
        throw r;
      },
    );
}

async function serverNowUs(redis: Redis): Promise<number> {
  const [seconds, micros] = (await redis.time()).map(Number) as [number, number];
  return seconds * 1_000_000 + micros;
}

/**
 * One accuracy run: greedy callers on one fresh key for ACCURACY_MS, against the bound on server time.
 * TIME and the takes share one connection, which Redis serves in order. The first TIME is sent just
 * before the first takes; each take is followed by a TIME sent right behind its first command, so the
 * latest of those is the server's time just after the last take ran (for the naive version, after the
 * first of its round trips). Elapsed is the takes' own, not the client's lag in reading the replies.
 */
async function accuracyRun(redis: Redis, take: Take, key: string): Promise<{ admitted: number; bound: number }> {
  let admitted = 0;
  let lastUs = 0;
  const end = performance.now() + ACCURACY_MS;
  const before = serverNowUs(redis);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const taken = take(key);
        const stamped = serverNowUs(redis);
        if (await taken) admitted++;
        lastUs = Math.max(lastUs, await stamped);
      }
    }),
  );
  const elapsedUs = lastUs - (await before);
  return { admitted, bound: CAPACITY + Math.floor((elapsedUs * RATE.tokens) / (RATE.perMs * 1_000)) };
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'token_bucket_bench' }); // a key prefix of its own
  const redis = ns.client();
  try {
    const persistence = (
      await Promise.all(
        ['appendonly', 'save'].map(async (name) => {
          const [, value] = (await redis.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');
    const report = benchReport({
      parameters: {
        bucket: `capacity ${CAPACITY}, ${RATE.tokens} tokens per ${RATE.perMs} ms; server clock (TIME in the script)`,
        concurrency: CONCURRENCY,
        accuracyRun: `${CONCURRENCY} greedy callers on one fresh bucket for ${ACCURACY_MS} ms, ${ACCURACY_ROUNDS} rounds per variant; bound = capacity + rate x elapsed, from TIME sent just before the first take to the latest TIME sent right behind a take (same connection, served in order; for the naive version behind its first round trip)`,
        naive: 'TIME, HMGET, compute in Node, HSET + PEXPIRE: separate round trips',
        manyClients: `${CLIENT_KEYS} keys round-robin (mostly admitted)`,
        hotClient: '1 key (mostly denied)',
        msPerVariantPerRound: `${LOAD_MS}, after 500 ms of warm-up each`,
        connections: '1 ioredis connection shared by every variant and caller (one API process)',
        rateLimiterFlexible: `11.4.0 BurstyRateLimiter(RateLimiterRedis { points ${RATE.tokens}, duration 1 }, RateLimiterRedis { points ${CAPACITY - RATE.tokens}, duration ${CAPACITY / RATE.tokens} }) on the same client; library defaults otherwise`,
        redisPersistence: `${persistence} (the shared server: no persistence)`,
      },
      services: ['redis'],
    });

    // 1. Accuracy against the configured rate, on the server's clock.
    const accuracyVariants: Record<string, Take> = {
      lua: ours(tokenBucket(redis, { name: 'accuracy-lua', capacity: CAPACITY, rate: RATE })),
      naive: ours(naiveTokenBucket(redis, { name: 'accuracy-naive', capacity: CAPACITY, rate: RATE })),
    };
    for (const take of Object.values(accuracyVariants)) await take('warm-up'); // scripts loaded before timing
    const excess: Record<string, number[]> = { lua: [], naive: [] };
    const runs: Record<string, string[]> = { lua: [], naive: [] };
    for (let round = 0; round < ACCURACY_ROUNDS; round++) {
      const order = round % 2 === 0 ? ['lua', 'naive'] : ['naive', 'lua'];
      for (const name of order) {
        const { admitted, bound } = await accuracyRun(redis, accuracyVariants[name]!, `run-${round}`);
        excess[name]!.push(admitted - bound);
        runs[name]!.push(`${admitted}/${bound}`);
        process.stderr.write(`  accuracy ${name} round ${round + 1}: admitted ${admitted}, bound ${bound}\n`);
      }
    }
    for (const [name, label] of [
      ['lua', 'Lua script'],
      ['naive', 'naive round trips'],
    ] as const) {
      report.add({
        id: `excess-${name}`,
        title: `Accuracy, ${label}: admitted − (capacity + rate × elapsed), tokens, per round`,
        value: excess[name]!.join(', '),
      });
      report.add({
        id: `runs-${name}`,
        title: `Accuracy, ${label}: admitted / bound, per round`,
        value: runs[name]!.join(', '),
      });
    }
    report.add({
      id: 'excess-naive-max',
      title: 'Accuracy, naive round trips: most tokens over the bound in one run',
      value: Math.max(...excess.naive!),
      unit: 'tokens',
    });

    // 2. Throughput. Every variant on the same connection; the peer is the baseline.
    const variants = (tag: string): Record<string, Take> => ({
      'rate-limiter-flexible (BurstyRateLimiter)': bursty(redis, `${tag}-rlf`),
      'lua token bucket': ours(tokenBucket(redis, { name: `${tag}-lua`, capacity: CAPACITY, rate: RATE })),
      'naive round trips': ours(naiveTokenBucket(redis, { name: `${tag}-naive`, capacity: CAPACITY, rate: RATE })),
    });
    let next = 0;
    const many = variants('many');
    report.add(
      await compareLoad({
        id: 'many-clients',
        title: `Many clients (${CLIENT_KEYS} keys, capacity ${CAPACITY}, ${RATE.tokens}/s each): mostly admitted`,
        variants: Object.fromEntries(
          Object.entries(many).map(([name, take]) => [name, () => take(`client-${next++ % CLIENT_KEYS}`)]),
        ),
        concurrency: CONCURRENCY,
        durationMs: LOAD_MS,
        rounds: ROUNDS,
      }),
    );
    const hot = variants('hot');
    report.add(
      await compareLoad({
        id: 'hot-client',
        title: `One hot client (capacity ${CAPACITY}, ${RATE.tokens}/s): mostly denied`,
        variants: Object.fromEntries(Object.entries(hot).map(([name, take]) => [name, () => take('abuser')])),
        concurrency: CONCURRENCY,
        durationMs: LOAD_MS,
        rounds: ROUNDS,
      }),
    );

    await report.finish(
      'The POC’s own claim (the roadmap has none for #17): with {param:concurrency} greedy callers on one bucket ' +
        '(capacity 200, 100/s, server clock), the Lua script admitted {fact:excess-lua} tokens beyond capacity + rate × elapsed ' +
        '(per round; 0 or −1 is exact), the naive GET/compute/SET version {fact:excess-naive}. Throughput ÷ rate-limiter-flexible’s ' +
        'BurstyRateLimiter: many clients {ratio:many-clients/lua token bucket}, one hot client {ratio:hot-client/lua token bucket}; ' +
        'naive {ratio:many-clients/naive round trips} and {ratio:hot-client/naive round trips}.',
    );
  } finally {
    await ns.close();
  }
});
