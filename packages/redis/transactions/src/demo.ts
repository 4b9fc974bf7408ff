// pnpm --filter poc-redis-transactions demo: MULTI/EXEC against a real Redis, printing what the README's
// "Expected output" shows: isolation seen by a concurrent reader, no rollback, and EXECABORT.
import { redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { accounts, isTransactionsError, multiExec, type Batch } from './index.ts';
import { unbatched } from './naive.ts';

const say = (line = ''): void => console.log(line);

const WRITERS = 10;
const MOVES = 50;
const IDS = ['a', 'b', 'c', 'd'];
const TOTAL = 400;

/** WRITERS clients move units around IDS while one more client reads every balance in a loop. */
async function movesUnderAReader(clients: Redis[], reader: Redis, name: string, batch: (r: Redis) => Batch) {
  const movers = clients.map((c) => accounts(c, { name, batch: batch(c) }));
  const view = accounts(reader, { name });
  await movers[0]!.open(Object.fromEntries(IDS.map((id) => [id, TOTAL / IDS.length])));
  let done = false;
  const work = Promise.all(
    movers.map(async (m, w) => {
      for (let i = 0; i < MOVES; i++) await m.move(IDS[(w + i) % 4]!, IDS[(w + i + 1) % 4]!, 7);
    }),
  ).finally(() => (done = true));
  let reads = 0;
  let short = 0;
  while (!done) {
    const sum = (await view.balances(IDS)).reduce((a, b) => a + b, 0);
    reads++;
    if (sum !== TOTAL) short++;
  }
  await work;
  const final = (await view.balances(IDS)).reduce((a, b) => a + b, 0);
  return { reads, short, final };
}

runMain(async () => {
  const [redisServer] = await Promise.all([serverFor('redis')]);
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`MULTI/EXEC demo (redis ${redisServer!.version}, ${redisServer!.provider})`);
    const redis = ns.client();
    const clients = Array.from({ length: WRITERS }, () => ns.client());
    const reader = ns.client();

    say();
    say(`1. Isolation: ${WRITERS} writers make ${MOVES} moves each (DECRBY one account, INCRBY another) while`);
    say(`   a reader sums all ${IDS.length} balances with MGET in a loop; the sum must always be ${TOTAL}`);
    const naive = await movesUnderAReader(clients, reader, 'naive', unbatched);
    say(
      `   unbatched (two round trips): ${naive.short} of ${naive.reads} reads saw the sum short; final sum ${naive.final}`,
    );
    const pattern = await movesUnderAReader(clients, reader, 'multi', multiExec);
    say(
      `   MULTI/EXEC:                  ${pattern.short} of ${pattern.reads} reads saw the sum short; final sum ${pattern.final}`,
    );

    say();
    say('2. No rollback: SET greeting hello, INCR greeting (a string), SET after yes');
    const tx = multiExec(redis);
    await tx
      .exec([
        ['set', 'greeting', 'hello'],
        ['incr', 'greeting'],
        ['set', 'after', 'yes'],
      ])
      .catch((e: unknown) => {
        if (!isTransactionsError(e, 'partial')) throw e;
        say(`   ${e.name}: ${e.message}`);
        say(
          `   applied: ${e.applied.map((a) => `#${a.index} ${a.command}`).join(', ')}; failed: ${e.failed.map((f) => `#${f.index} ${f.command}`).join(', ')}`,
        );
      });
    say(`   read back: greeting=${await redis.get('greeting')}, after=${await redis.get('after')}`);

    say();
    say('3. A command Redis cannot queue: SET queued 1, INCRBY queued (no increment), FLY away');
    await tx
      .exec([
        ['set', 'queued', 1],
        ['incrby', 'queued'],
        ['fly', 'away'],
      ])
      .catch((e: unknown) => {
        if (!isTransactionsError(e, 'aborted')) throw e;
        say(`   ${e.name}: ${e.message}`);
      });
    say(`   read back: queued=${await redis.get('queued')} (nothing was applied)`);
    say();
    say('done');
  } finally {
    await ns.close();
  }
});
