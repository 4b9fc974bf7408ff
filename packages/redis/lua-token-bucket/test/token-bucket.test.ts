// Behaviour against a real Redis: burst then steady rate exactly as configured, refill capped at capacity,
// server time by default and an injected clock when given, concurrent takers that never over-admit, the
// naive GET/compute/SET version that does, and the difference from poc-redis-rate-limit's sliding window
// at the same limit. Time is driven by a ManualClock (or is the server's); nothing sleeps.
import { barrier, eventually, holdReplies, redisNamespace, serverNowMs, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { slidingWindowLog } from 'poc-redis-rate-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenBucket, type TakeResult, type TokenBucket, type TokenBucketOptions } from '../src/index.ts';
import { naiveTokenBucket } from '../src/naive.ts';

const T0 = Date.UTC(2030, 0, 1); // a whole second: window edges of the sliding window fall on round numbers
const CONNECTIONS = 20;

let ns: RedisNamespace;
let redis: Redis;
let connections: Redis[];
beforeAll(async () => {
  ns = await redisNamespace({ name: 'token_bucket' });
  redis = ns.client();
  connections = Array.from({ length: CONNECTIONS }, () => ns.client());
  await Promise.all([redis, ...connections].map((c) => c.ping()));
});
afterAll(() => ns?.close());

/** Takes one token at a time until the bucket says no; returns how many were admitted. */
async function drain(bucket: TokenBucket, key: string): Promise<number> {
  let admitted = 0;
  while ((await bucket.take(key)).allowed) admitted++;
  return admitted;
}

/** `n` takes of one token, all in flight at once. */
const takeAtOnce = (bucket: TokenBucket, key: string, n: number): Promise<TakeResult[]> =>
  Promise.all(Array.from({ length: n }, () => bucket.take(key)));
const allowed = (results: TakeResult[]): number => results.filter((r) => r.allowed).length;

describe('burst, then the configured rate (ManualClock)', () => {
  it('admits a burst of exactly its capacity, then denies with the wait for the next token', async () => {
    const clock = new ManualClock(T0);
    const options: TokenBucketOptions = { name: 'burst', capacity: 5, rate: { tokens: 1, perMs: 10_000 }, clock };
    const bucket = tokenBucket(redis, options);

    const results: TakeResult[] = [];
    for (let i = 0; i < 7; i++) results.push(await bucket.take('client'));
    expect(results).toEqual([
      ...[4, 3, 2, 1, 0].map((remaining) => ({ allowed: true, remaining, retryAfterMs: 0 })),
      { allowed: false, remaining: 0, retryAfterMs: 10_000 },
      { allowed: false, remaining: 0, retryAfterMs: 10_000 },
    ]);

    // The state is in Redis, not in this object: another process (client, instance) sees the same bucket.
    const elsewhere = tokenBucket(connections[0]!, options);
    await clock.advance(9_999);
    expect(await elsewhere.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
    await clock.advance(1);
    expect(await elsewhere.take('client')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(await bucket.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 10_000 });
  });

  it('takes n tokens in one call, and its retry-after is the wait for all n', async () => {
    const clock = new ManualClock(T0);
    const bucket = tokenBucket(redis, { name: 'take-n', capacity: 10, rate: { tokens: 2, perMs: 1_000 }, clock });
    expect(await bucket.take('client', 8)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    expect(await bucket.take('client', 5)).toEqual({ allowed: false, remaining: 2, retryAfterMs: 1_500 });
    await clock.advance(1_499);
    expect(await bucket.take('client', 5)).toEqual({ allowed: false, remaining: 4, retryAfterMs: 1 });
    await clock.advance(1);
    expect(await bucket.take('client', 5)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });

  it('rounds a retry-after up to the next whole ms: waiting exactly that long always suffices', async () => {
    const clock = new ManualClock(T0);
    const bucket = tokenBucket(redis, { name: 'round-up', capacity: 1, rate: { tokens: 3, perMs: 1_000 }, clock });
    expect((await bucket.take('client')).allowed).toBe(true);
    // A token every 333⅓ ms: 333 ms is not enough, 334 is.
    expect(await bucket.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 334 });
    await clock.advance(333);
    expect(await bucket.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
    await clock.advance(1);
    expect(await bucket.take('client')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });

  it('admits capacity + ⌊rate × elapsed⌋ at every step of a greedy client’s timeline, fractions carried', async () => {
    // 7 tokens per minute does not divide the 13 001 ms step: each step earns a fraction of a token that
    // must be carried to the next, neither rounded away nor rounded up. (A slow rate also keeps the key's
    // TTL, which runs on the server's real clock, far longer than this test.)
    const CAPACITY = 10;
    const RATE = { tokens: 7, perMs: 60_000 };
    const STEP_MS = 13_001;
    const clock = new ManualClock(T0);
    const bucket = tokenBucket(redis, { name: 'timeline', capacity: CAPACITY, rate: RATE, clock });

    let admitted = 0;
    const perStep: number[] = [];
    for (let step = 0; step <= 40; step++) {
      if (step > 0) await clock.advance(STEP_MS);
      const now = await drain(bucket, 'greedy');
      perStep.push(now);
      admitted += now;
      const elapsed = clock.now() - T0;
      expect(admitted, `after ${elapsed} ms`).toBe(CAPACITY + Math.floor((elapsed * RATE.tokens) / RATE.perMs));
    }
    expect(perStep[0]).toBe(CAPACITY); // the burst ...
    expect(new Set(perStep.slice(1))).toEqual(new Set([1, 2])); // ... then 1.5 tokens per step on average
  });

  it('stops refilling at capacity: a bucket idle for ten times its refill time holds capacity, not more', async () => {
    const clock = new ManualClock(T0);
    const bucket = tokenBucket(redis, { name: 'cap', capacity: 4, rate: { tokens: 1, perMs: 60_000 }, clock });
    expect(await drain(bucket, 'client')).toBe(4);
    await clock.advance(10 * 4 * 60_000);
    expect((await bucket.take('client')).remaining).toBe(3);
    expect(await drain(bucket, 'client')).toBe(3);
  });

  it('adds no tokens when a clock goes back, and does not pay for the same time twice when it catches up', async () => {
    const ahead = new ManualClock(T0 + 60_000);
    const behind = new ManualClock(T0); // another process, a minute behind
    const options = { name: 'skew', capacity: 2, rate: { tokens: 1, perMs: 10_000 } };
    const a = tokenBucket(redis, { ...options, clock: ahead });
    const b = tokenBucket(redis, { ...options, clock: behind });
    expect(await drain(a, 'client')).toBe(2);
    expect(await b.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 10_000 });
    await behind.advance(60_000 + 9_999); // catches up to where `ahead` drained it, and 9 999 ms more
    expect(await b.take('client')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
    await ahead.advance(10_000);
    expect(await a.take('client')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });
});

describe('whose time', () => {
  it('reads the server’s clock (TIME) by default, and the injected clock’s now() when one is given', async () => {
    const rate = { tokens: 1, perMs: 60_000 };
    const serverTimed = tokenBucket(redis, { name: 'server-time', capacity: 3, rate });
    const before = await serverNowMs(redis);
    await serverTimed.take('client');
    const after = await serverNowMs(redis);
    const stamped = Number(await redis.hget('server-time:{client}', 'at')) / 1_000; // µs → ms
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThan(after + 1);

    const clock = new ManualClock(T0);
    await tokenBucket(redis, { name: 'clock-time', capacity: 3, rate, clock }).take('client');
    expect(await redis.hget('clock-time:{client}', 'at')).toBe(String(T0 * 1_000));
  });

  it('lets Redis drop a bucket’s key once it would be full again, and a missing key reads as full', async () => {
    const bucket = tokenBucket(redis, { name: 'expiry', capacity: 2, rate: { tokens: 1, perMs: 500 } });
    expect(await bucket.take('client', 2)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    const ttl = await redis.pttl('expiry:{client}');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000); // the time two tokens take to come back
    await eventually(async () => (await redis.exists('expiry:{client}')) === 0, {
      what: 'the full bucket’s key to expire',
    });
    expect(await bucket.take('client')).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
  });
});

describe(`concurrent takers on ${CONNECTIONS} connections`, () => {
  const CAPACITY = 37;
  const TAKERS = 200;
  /** One bucket per connection (as in separate API processes), all on the same key and the same instant. */
  const buckets = (
    make: typeof tokenBucket,
    name: string,
    clock: ManualClock,
    hold: (r: Redis) => Redis = (r) => r,
  ): TokenBucket[] =>
    connections.map((c) => make(hold(c), { name, capacity: CAPACITY, rate: { tokens: 1, perMs: 1_000 }, clock }));
  const stampede = (bs: TokenBucket[], key: string): Promise<TakeResult[]> =>
    Promise.all(Array.from({ length: TAKERS }, (_, i) => bs[i % bs.length]!.take(key)));

  it(`admit exactly the tokens there are: ${CAPACITY} of ${TAKERS} at once, then exactly what refilled, each remaining value once`, async () => {
    const clock = new ManualClock(T0);
    // The interleaving that breaks the naive version (every HMGET answered before any write) is forced
    // here too; the script never sends an HMGET of its own, so nothing is held.
    const everyoneHasRead = barrier(TAKERS);
    const bs = buckets(tokenBucket, 'stampede', clock, (r) => holdReplies(r, ['hmget'], everyoneHasRead));
    const first = await stampede(bs, 'client');
    expect(allowed(first)).toBe(CAPACITY);
    const remaining = first.filter((r) => r.allowed).map((r) => r.remaining);
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: CAPACITY }, (_, i) => i));
    expect(first.filter((r) => !r.allowed).every((r) => r.remaining === 0 && r.retryAfterMs === 1_000)).toBe(true);

    for (const refilled of [1, 5, 13]) {
      await clock.advance(refilled * 1_000);
      expect(allowed(await stampede(bs, 'client')), `after ${refilled} tokens refilled`).toBe(refilled);
    }
  });

  it(`break it: the naive GET/compute/SET version admits all ${TAKERS} when every read comes before any write; the script admits ${CAPACITY}`, async () => {
    const clock = new ManualClock(T0);
    const everyoneHasRead = barrier(TAKERS);
    const naive = buckets(naiveTokenBucket, 'naive', clock, (r) => holdReplies(r, ['hmget'], everyoneHasRead));
    const naiveResults = await stampede(naive, 'client');
    expect(allowed(naiveResults)).toBe(TAKERS); // over-admitted: TAKERS - CAPACITY requests too many

    const lua = buckets(tokenBucket, 'lua', clock);
    expect(allowed(await stampede(lua, 'client'))).toBe(CAPACITY);
  });

  it('break it without a barrier: on one shared connection the naive version admits every concurrent take', async () => {
    // ioredis writes each command as it is called: all 100 HMGETs leave in one burst, before the first
    // reply can trigger an HSET. So every caller reads the full bucket — certain, not a matter of luck.
    const clock = new ManualClock(T0);
    const options = { capacity: 10, rate: { tokens: 1, perMs: 1_000 }, clock };
    const naive = naiveTokenBucket(redis, { name: 'naive-one-connection', ...options });
    expect(allowed(await takeAtOnce(naive, 'client', 100))).toBe(100);
    const lua = tokenBucket(redis, { name: 'lua-one-connection', ...options });
    expect(allowed(await takeAtOnce(lua, 'client', 100))).toBe(10);
  });
});

describe('against poc-redis-rate-limit’s sliding window at the same limit (10 per second)', () => {
  it('admits capacity + rate × 1 s = 20 in the second after a burst at a window edge, where the sliding log admits 11', async () => {
    const clock = new ManualClock(T0);
    const at = (ms: number): Promise<void> => clock.advance(T0 + ms - clock.now());
    const bucket = tokenBucket(redis, { name: 'vs-window', capacity: 10, rate: { tokens: 10, perMs: 1_000 }, clock });
    const log = slidingWindowLog({ redis, clock, limit: 10, windowMs: 1_000, prefix: 'vs-window-log' });
    /** `n` requests at once to each limiter: how many each admitted. */
    const send = async (n: number): Promise<{ bucket: number; log: number }> => ({
      bucket: allowed(await takeAtOnce(bucket, 'client', n)),
      log: (await Promise.all(Array.from({ length: n }, () => log.consume('client')))).filter((r) => r.allowed).length,
    });

    await at(990); // 10 just before the edge of the window [1 000, 2 000) ...
    const before = await send(10);
    await at(1_010); // ... 10 just after it ...
    const after = await send(10);
    const trickle = { bucket: 0, log: 0 };
    for (let ms = 1_040; ms <= 1_990; ms += 50) {
      // ... then one request every 50 ms until one second after the first burst.
      await at(ms);
      const one = await send(1);
      trickle.bucket += one.bucket;
      trickle.log += one.log;
    }
    // Across the edge both admit the first 10 only (a fixed window would admit 20 here) ...
    expect([before, after]).toEqual([
      { bucket: 10, log: 10 },
      { bucket: 0, log: 0 },
    ]);
    // ... but the bucket keeps refilling while the log waits for the burst to leave its window (at 1.990 s).
    expect(trickle).toEqual({ bucket: 10, log: 1 });
  });
});
