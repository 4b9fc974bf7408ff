// pnpm --filter poc-redis-lua-performance demo: the same N-step operation four ways — one result, and what
// each costs in round trips and in commands the server runs — then a reader between two steps. Server-wide
// counters (CONFIG RESETSTAT, INFO) are read on a private server, never on the shared one.
import { holdReplies, privateRedis, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { luaSteps, multiSteps, pipelineSteps, type NStepOperation } from './index.ts';
import { roundTripSteps } from './naive.ts';

const say = (line = ''): void => console.log(line);
const ways = (redis: Redis): NStepOperation[] => [
  luaSteps(redis),
  multiSteps(redis),
  pipelineSteps(redis),
  roundTripSteps(redis),
];

/** Commands the server ran since CONFIG RESETSTAT, by name (INFO commandstats), without the INFO itself. */
async function commandsRun(redis: Redis): Promise<string> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)]
    .filter(([, name]) => name !== 'info' && name !== 'config|resetstat')
    .sort(([, a], [, b]) => a!.localeCompare(b!))
    .map(([, name, calls]) => `${name} ${calls}`)
    .join(', ');
}

runMain(async () => {
  const shared = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  const own = await privateRedis();
  const client = redisClient(own.url);
  try {
    say(`Lua performance demo: redis ${shared.version} (${shared.provider})`);
    const N = 10;
    const amounts = Array.from({ length: N }, (_, i) => i + 1);

    say();
    say(`1. One operation, four ways: add 1, 2, … ${N} to a counter (${N} INCRBYs), then read it (GET)`);
    const replies = new Set<string>();
    for (const way of ways(ns.client())) {
      const r = await way.apply(`same:${way.strategy}`, amounts);
      replies.add(JSON.stringify(r));
      say(`   ${way.strategy.padEnd(11)} steps ${r.steps.join(',')} -> read ${r.value}`);
    }
    say(`   the same result from all four: ${replies.size === 1}`);

    say();
    say('2. What one operation of N = 100 costs (a private server: CONFIG RESETSTAT, INFO commandstats)');
    const hundred = Array<number>(100).fill(1);
    for (const way of ways(client)) {
      await way.apply('warm-up', [0]); // connected, script cached
      await client.config('RESETSTAT');
      await way.apply(`cost:${way.strategy}`, hundred);
      const trips = way.roundTrips(100);
      const label = `${String(trips).padStart(3)} round trip${trips === 1 ? '' : 's'}`;
      say(`   ${way.strategy.padEnd(11)} ${label}; the server ran: ${await commandsRun(client)}`);
    }

    say();
    say(`3. A reader between two steps (replies to the writer's INCRBYs held until the reader has read)`);
    const reader = ns.client();
    for (const way of [roundTripSteps, luaSteps]) {
      const key = `torn:${way.name}`;
      let replies = 0;
      let seen: string | null = 'never read';
      const writer = holdReplies(ns.client(), ['incrby'], async () => {
        if (++replies === 2) seen = await reader.get(key); // after the 2nd step's reply, before the 3rd is sent
      });
      const op = way(writer);
      const result = await op.apply(key, Array<number>(N).fill(1));
      if (seen === 'never read') seen = await reader.get(key); // one EVALSHA: no INCRBY reply to hold
      say(
        `   ${op.strategy.padEnd(11)} the reader saw ${seen} (a complete operation leaves a multiple of ${N}); the writer read ${result.value}`,
      );
    }
    say('   MULTI/EXEC and a pipeline send their commands in one write: test/steps.test.ts splits that write');
    say('   with a relay and shows the pipeline part-applied and MULTI/EXEC never.');
    say('done');
  } finally {
    client.disconnect();
    await own.close();
    await ns.close();
  }
});
