// pnpm --filter poc-redis-watch demo: WATCH/MULTI/EXEC check-and-set against a real Redis, printing what
// the README's "Expected output" shows: lost updates of the naive versions, none with checkAndSet, a
// conditional update, and a key too hot to update within the attempts allowed.
import { redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { checkAndSet, isWatchError, scriptedAdd, type ConflictEvent } from './index.ts';
import { naiveModify, sharedConnectionModify } from './naive.ts';

const say = (line = ''): void => console.log(line);
const WRITERS = 50;
const EACH = 20;
const plusOne = (value: string | null): string => String(Number(value ?? 0) + 1);

runMain(async () => {
  const redisServer = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  const redis = ns.client();
  const cas = checkAndSet(redis, { connections: WRITERS, maxAttempts: 100 });
  try {
    say(`WATCH check-and-set demo (redis ${redisServer.version}, ${redisServer.provider})`);
    say();
    say(`1. ${WRITERS} concurrent writers each add 1 to a counter ${EACH} times (expect ${WRITERS * EACH})`);
    const writers = Array.from({ length: WRITERS }, () => ns.client());
    let attempts = 0;
    const variants: Array<[string, string, (w: number) => Promise<unknown>]> = [
      ['GET then SET (one shared client)', 'naive', () => naiveModify(redis, 'naive', plusOne)],
      ['WATCH on the shared client', 'shared', () => sharedConnectionModify(redis, 'shared', plusOne)],
      [
        `checkAndSet (${WRITERS} connections)`,
        'pattern',
        async () => {
          const committed = await cas.modify('pattern', plusOne);
          attempts += committed.attempts;
        },
      ],
      ['Lua script (a client each)', 'lua', (w) => scriptedAdd(writers[w]!, 'lua', 1)],
    ];
    for (const [label, key, add] of variants) {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < EACH; i++) await add(w);
        }),
      );
      const value = Number(await redis.get(key));
      const extra = key === 'pattern' ? `, ${attempts - WRITERS * EACH} conflicts retried` : '';
      say(`   ${`${label}:`.padEnd(36)} ${value} -> ${WRITERS * EACH - value} lost${extra}`);
    }

    say();
    say('2. A conditional update: 30 buyers, 10 seats; book only while seats are left');
    await redis.set('seats', 10);
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        cas.update(['seats'], ({ values }) =>
          Number(values[0]) > 0
            ? { writes: [['decr', 'seats']], result: 'booked' }
            : { writes: [], result: 'sold out' },
        ),
      ),
    );
    const count = (what: string): number => outcomes.filter((o) => o.result === what).length;
    say(`   booked ${count('booked')}, sold out ${count('sold out')}, seats left ${await redis.get('seats')}`);

    say();
    say('3. A key that changes before every EXEC: bounded attempts, jittered back-off');
    const events: ConflictEvent[] = [];
    const impatient = checkAndSet(redis, { maxAttempts: 4, baseDelayMs: 5, onConflict: (e) => events.push(e) });
    await impatient
      .update(['hot'], async () => {
        await redis.incr('hot'); // someone else, every time
        return { writes: [['set', 'hot', 'mine']], result: undefined };
      })
      .catch((e: unknown) => {
        if (!isWatchError(e, 'exhausted')) throw e;
        say(
          `   back-off before attempts 2-4: ${events.map((e) => `${e.delayMs} ms`).join(', ')} (random, capped at 5, 10, 20 ms)`,
        );
        say(`   ${e.name}: ${e.message}`);
      });
    await impatient.close();
    say();
    say('done');
  } finally {
    await cas.close();
    await ns.close();
  }
});
