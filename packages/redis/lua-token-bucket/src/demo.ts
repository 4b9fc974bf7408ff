// pnpm --filter poc-redis-lua-token-bucket demo: a burst and then the configured rate, the server's clock
// shared by two processes, the token bucket next to poc-redis-rate-limit's windows at the same limit, and
// 200 concurrent takes on the naive and the Lua version — each against a real Redis.
import { redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { fixedWindow, slidingWindowCounter, slidingWindowLog, type RateLimiter } from 'poc-redis-rate-limit';
import { tokenBucket, type TakeResult, type TokenBucket } from './index.ts';
import { naiveTokenBucket } from './naive.ts';

const say = (line = ''): void => console.log(line);
const T0 = Date.UTC(2030, 0, 1); // a whole second
const at = (clock: ManualClock, ms: number): Promise<void> => clock.advance(T0 + ms - clock.now());
const takeAtOnce = (bucket: TokenBucket, key: string, n: number): Promise<TakeResult[]> =>
  Promise.all(Array.from({ length: n }, () => bucket.take(key)));
const admitted = (results: Array<{ allowed: boolean }>): number => results.filter((r) => r.allowed).length;

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  const redis = ns.client();
  try {
    say(`Lua token bucket demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. Burst, then the configured rate: capacity 5, 2 tokens per second (a ManualClock)');
    const clock = new ManualClock(T0);
    const bucket = tokenBucket(redis, { name: 'api', capacity: 5, rate: { tokens: 2, perMs: 1_000 }, clock });
    let total = 0;
    for (const [ms, requests] of [
      [0, 7],
      [500, 3],
      [1_250, 3],
      [1_500, 3],
      [60_000, 7],
    ] as const) {
      await at(clock, ms);
      const results: TakeResult[] = [];
      for (let i = 0; i < requests; i++) results.push(await bucket.take('client-a'));
      const ok = admitted(results);
      total += ok;
      const denied = results.find((r) => !r.allowed);
      say(
        `   t=${String(ms).padStart(6)} ms  ${requests} requests: ${ok} admitted, ${requests - ok} denied` +
          (denied ? ` (retry after ${denied.retryAfterMs} ms)` : ''),
      );
    }
    say(`   ${total} admitted in all: the burst of 5, 1 token per 500 ms, then 5 again after a minute idle (not 120)`);

    say('\n2. No clock given: the script reads the server’s TIME, so two processes share one notion of now');
    const rate = { tokens: 1, perMs: 1_000 };
    const processA = tokenBucket(ns.client(), { name: 'shared', capacity: 3, rate });
    const processB = tokenBucket(ns.client(), { name: 'shared', capacity: 3, rate });
    say(`   A takes 2: ${JSON.stringify(await processA.take('client-b', 2))}`);
    say(`   B takes 1: ${JSON.stringify(await processB.take('client-b'))}`);
    say(`   B takes 1: ${JSON.stringify(await processB.take('client-b'))}  <- the next token, about 1 s away`);

    say('\n3. The same limit, 10 per second, as poc-redis-rate-limit’s windows: 10 requests at t=0.990 s,');
    say('   10 at t=1.010 s (across a window edge), then one every 50 ms until t=1.990 s');
    const limiters: Record<string, (c: ManualClock) => { send: (n: number) => Promise<number> }> = {
      'token bucket (10, 10/s)': (c) => {
        const b = tokenBucket(redis, { name: 'vs', capacity: 10, rate: { tokens: 10, perMs: 1_000 }, clock: c });
        return { send: async (n) => admitted(await takeAtOnce(b, 'client-c', n)) };
      },
      ...Object.fromEntries(
        (
          [
            ['sliding log', slidingWindowLog],
            ['sliding counter', slidingWindowCounter],
            ['fixed window', fixedWindow],
          ] as const
        ).map(([name, make]) => [
          name,
          (c: ManualClock) => {
            const l: RateLimiter = make({ redis, clock: c, limit: 10, windowMs: 1_000, prefix: `vs-${name}` });
            return {
              send: async (n: number) =>
                admitted(await Promise.all(Array.from({ length: n }, () => l.consume('client-c')))),
            };
          },
        ]),
      ),
    };
    for (const [name, make] of Object.entries(limiters)) {
      const c = new ManualClock(T0);
      const limiter = make(c);
      await at(c, 990);
      const first = await limiter.send(10);
      await at(c, 1_010);
      const second = await limiter.send(10);
      let trickle = 0;
      for (let ms = 1_040; ms <= 1_990; ms += 50) {
        await at(c, ms);
        trickle += await limiter.send(1);
      }
      say(
        `   ${name.padEnd(24)} ${String(first).padStart(2)} + ${String(second).padStart(2)} across the edge, ` +
          `+ ${String(trickle).padStart(2)} of 20 after it = ${first + second + trickle} in one second`,
      );
    }

    say('\n4. 200 concurrent takes on 20 connections, one bucket of capacity 37, at one instant');
    const connections = Array.from({ length: 20 }, () => ns.client());
    const stampede = async (make: typeof tokenBucket, name: string): Promise<number> => {
      const c = new ManualClock(T0);
      const buckets = connections.map((r) =>
        make(r, { name, capacity: 37, rate: { tokens: 1, perMs: 1_000 }, clock: c }),
      );
      return admitted(await Promise.all(Array.from({ length: 200 }, (_, i) => buckets[i % 20]!.take('client-d'))));
    };
    say(
      `   naive (HMGET, compute, HSET as round trips): ${await stampede(naiveTokenBucket, 'stampede-naive')} admitted`,
    );
    say(`   Lua (one script per take):                   ${await stampede(tokenBucket, 'stampede-lua')} admitted`);

    say('\ndone');
  } finally {
    await ns.close();
  }
});
