// pnpm --filter poc-redis-rollback demo: a trip booked as a saga against a real Redis — completed,
// compensated after a failing step, replayed, and crashed mid-way in a worker process (SIGKILL), then
// recovered from its undo log by this process; the naive version beside it stays half-done.
import { fileURLToPath } from 'node:url';
import { redisNamespace, serverFor, spawnTsWorker } from '@poc/harness';
import { runMain, skewedClock, systemClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { saga, type StepEvent } from './index.ts';
import { naiveSaga } from './naive.ts';
import { readTrip, tripIs, tripKeys, tripSteps, type Trip, type TripState } from './trip.ts';

const say = (line = ''): void => console.log(line);
const WALLET = 1_000;
const worker = fileURLToPath(new URL('./trip-worker.ts', import.meta.url));

const describe = (trip: Trip, s: TripState): string =>
  `seat ${trip.seat} ${s.seatHolder ? `held by ${s.seatHolder}` : 'free'}, wallet ${s.wallet}, ` +
  `${s.booked ? `booking ${trip.reference} recorded` : 'no booking'}`;

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`Rollback demo: redis ${server.version} (${server.provider})`);
    say('A trip is a saga of three steps: reserve-seat -> debit-wallet -> record-booking.');
    say('Each step writes its effect and its undo-log entry in one Lua script.');
    const redis: Redis = ns.client();
    let line: string[] = [];
    const onStep = (e: StepEvent): void => void line.push(`${e.step} ${e.phase}${e.reason ? ` (${e.reason})` : ''}`);
    const trips = saga(redis, { name: 'trips', steps: tripSteps, onStep });
    const flush = (prefix = '   '): void => {
      say(prefix + line.join(', '));
      line = [];
    };

    const ada: Trip = { user: 'ada', flight: 'F100', seat: '12A', price: 300, reference: 'AX12' };
    await redis.set(tripKeys(ada).wallet, WALLET);
    say();
    say(`1. Ada books seat ${ada.seat} on ${ada.flight} for ${ada.price} (wallet ${WALLET})`);
    const first = await trips.run('trip-1', ada);
    flush();
    say(`   -> ${first.status}: ${describe(ada, await readTrip(redis, ada))}`);

    const ben: Trip = { user: 'ben', flight: 'F100', seat: '14C', price: 300, reference: 'BX34' };
    await redis.set(tripKeys(ben).wallet, WALLET);
    await redis.hset(tripKeys(ben).booking, 'saga', 'an-older-trip');
    say();
    say(`2. Ben books seat ${ben.seat}, but booking reference ${ben.reference} is already taken`);
    const second = await trips.run('trip-2', ben);
    const [done, undone] = [line.filter((l) => !l.endsWith('undone')), line.filter((l) => l.endsWith('undone'))];
    say(`   ${done.join(', ')}`);
    say(`   compensating, last step first: ${undone.join(', ')}`);
    line = [];
    const benState = await readTrip(redis, ben);
    say(
      `   -> ${second.status}: seat ${ben.seat} ${benState.seatHolder ? 'held' : 'free'}, wallet ${benState.wallet}, ` +
        `the older ${ben.reference} booking kept (${await redis.hget(tripKeys(ben).booking, 'saga')})`,
    );

    say();
    say('3. trip-1 is run again (a client retry)');
    const again = await trips.run('trip-1', ada);
    say(
      `   -> ${again.status}, replayed: ${again.replayed}; no step ran (${line.length} events), wallet ${(await readTrip(redis, ada)).wallet}`,
    );

    say();
    say('4. A worker process books two trips and is SIGKILLed right after step 2 (debit-wallet)');
    const cyd: Trip = { user: 'cyd', flight: 'F100', seat: '15A', price: 300, reference: 'CX56' };
    const dan: Trip = { user: 'dan', flight: 'F100', seat: '16B', price: 300, reference: 'DX78' };
    await redis.set(tripKeys(cyd).wallet, WALLET);
    await redis.set(tripKeys(dan).wallet, WALLET);
    const crashed: Array<['logged' | 'naive', string, Trip]> = [
      ['logged', 'trip-3', cyd],
      ['naive', 'trip-4', dan],
    ];
    await Promise.all(
      crashed.map(async ([variant, id, trip]) => {
        const w = spawnTsWorker(worker, [
          ns.url,
          ns.prefix,
          variant,
          'crash',
          JSON.stringify([{ id, trip, stopAfter: 2 }]),
        ]);
        try {
          await w.waitForLine(`paused ${id} after 2`);
        } finally {
          await w.kill();
        }
      }),
    );
    for (const [variant, id, trip] of crashed) {
      const s = await readTrip(redis, trip);
      say(`   ${variant.padEnd(6)} ${id}: ${describe(trip, s)} -> ${tripIs(s, id, trip, WALLET)}`);
    }
    // Another instance recovers. A clock read 60 s ahead stands in for waiting out the worker's 30 s lease.
    const later = skewedClock(systemClock, 60_000);
    say("   recover() on other instances, once the dead worker's lease has run out:");
    const logged = await saga(ns.client(), { name: 'crash', steps: tripSteps, clock: later }).recover();
    const naive = await naiveSaga(ns.client(), { name: 'crash', steps: tripSteps, clock: later }).recover();
    say(`   logged recovered ${logged.map((r) => `${r.id} (${r.status}, ${r.undone} steps undone)`).join(', ')}`);
    say(`   naive  recovered ${naive.length} (no log: nothing says what the worker had done)`);
    for (const [variant, id, trip] of crashed) {
      const s = await readTrip(redis, trip);
      say(`   ${variant.padEnd(6)} ${id}: ${describe(trip, s)} -> ${tripIs(s, id, trip, WALLET)}`);
    }
    say();
    say('done');
  } finally {
    await ns.close();
  }
});
