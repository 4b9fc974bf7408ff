// pnpm --filter poc-redis-rate-limit demo: the window-edge burst, retry-after, the counter's
// approximation and a 100-connection stampede, each against a real Redis.
import { ManualClock, runMain } from '@poc/kit';
import { redisNamespace, serverFor } from '@poc/harness';
import { fixedWindow, slidingWindowCounter, slidingWindowLog, type LimiterOptions, type RateLimiter } from './index.ts';
import { naiveSlidingWindowLog } from './naive.ts';

// Hand-moved clocks: the demo places requests at exact milliseconds (T0 is a whole second). Each
// scenario gets its own clock, starting at T0, that only moves forward.
const T0 = 1_800_000_000_000;
const at = (clock: ManualClock, ms: number): Promise<void> => clock.advance(T0 + ms - clock.now());
const admitted = async (l: RateLimiter, key: string, n: number): Promise<number> =>
  (await Promise.all(Array.from({ length: n }, () => l.consume(key)))).filter((r) => r.allowed).length;

const algorithms = {
  'fixed window': fixedWindow,
  'sliding log': slidingWindowLog,
  'sliding counter': slidingWindowCounter,
};

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();
  const say = (line = ''): void => console.log(line);

  try {
    say(`Redis rate limiter demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. The edge burst: limit 10 per second, 10 requests at t=0.990 s and 10 at t=1.010 s');
    for (const [name, make] of Object.entries(algorithms)) {
      const clock = new ManualClock(T0);
      const limiter = make({ redis, clock, limit: 10, windowMs: 1_000, prefix: 'edge' });
      await at(clock, 990);
      const before = await admitted(limiter, 'client-a', 10);
      await at(clock, 1_010);
      const after = await admitted(limiter, 'client-a', 10);
      say(
        `   ${name.padEnd(16)} admitted ${String(before).padStart(2)} + ${String(after).padStart(2)} = ${String(before + after).padStart(2)} within 20 ms`,
      );
    }

    say('\n2. Results carry remaining and retry-after (sliding log, limit 3 per second)');
    const clock = new ManualClock(T0);
    const log = slidingWindowLog({ redis, clock, limit: 3, windowMs: 1_000, prefix: 'retry' });
    for (const ms of [100, 400, 700, 800]) {
      await at(clock, ms);
      say(`   t=${String(ms).padStart(4)} ms  ${JSON.stringify(await log.consume('client-b'))}`);
    }
    await at(clock, 1_100);
    say(`   t=1100 ms  ${JSON.stringify(await log.consume('client-b'))}  <- 800 + retryAfterMs`);

    say('\n3. The sliding counter is an estimate: 10 requests at t=0.990 s, then 10 more at t=1.500 s');
    for (const [name, make] of Object.entries(algorithms).slice(1)) {
      const clock = new ManualClock(T0);
      const limiter = make({ redis, clock, limit: 10, windowMs: 1_000, prefix: 'approx' });
      await at(clock, 990);
      await admitted(limiter, 'client-c', 10);
      await at(clock, 1_500);
      say(`   ${name.padEnd(16)} admits ${await admitted(limiter, 'client-c', 10)} more at t=1.500 s`);
    }
    say("   (the counter assumes the previous window's 10 were spread evenly and counts only half of them)");

    const CLIENTS = 100;
    say(`\n4. ${CLIENTS} API connections hit one client's limit (37 per minute) at the same moment`);
    const connections = Array.from({ length: CLIENTS }, () => ns.client());
    const mid = new ManualClock(T0 + 30_000);
    const stampede = async (make: (o: LimiterOptions) => RateLimiter, prefix: string): Promise<number> => {
      const results = await Promise.all(
        connections.map((c) => make({ redis: c, clock: mid, limit: 37, windowMs: 60_000, prefix }).consume('client-d')),
      );
      return results.filter((r) => r.allowed).length;
    };
    say(`   naive log (ZCARD, then ZADD from the client): ${await stampede(naiveSlidingWindowLog, 'naive')} admitted`);
    say(`   sliding log (one Lua script):                  ${await stampede(slidingWindowLog, 'lua')} admitted`);

    say('\ndone');
  } finally {
    await ns.close();
  }
});
