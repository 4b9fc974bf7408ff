// A crash between two steps (POC_STANDARD.md §3): a worker process books trips and stops dead after step
// k (its onStep hook, so the point is exact), then SIGKILL — no compensation, no finally. Recovery runs in
// this process, from another saga instance on another connection, as a second service would.
import { fileURLToPath } from 'node:url';
import { redisNamespace, spawnTsWorker, type RedisNamespace } from '@poc/harness';
import { systemClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { saga, sagaKeys } from '../src/index.ts';
import { naiveSaga } from '../src/naive.ts';
import { readTrip, tripIs, tripSteps, type Trip } from '../src/trip.ts';
import { WALLET, afterLeases, newTrip, seedWallets } from './helpers.ts';

const workerScript = fileURLToPath(new URL('../src/trip-worker.ts', import.meta.url));

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'rollback_crash' });
  redis = ns.client();
});
afterAll(() => ns?.close());

interface Booking {
  id: string;
  trip: Trip;
  stopAfter: number;
}

/** Books `bookings` in a worker process of `variant`, waits until each has stopped at its step, SIGKILLs it. */
async function crashWorker(variant: 'logged' | 'naive', name: string, bookings: Booking[]): Promise<void> {
  const worker = spawnTsWorker(workerScript, [ns.url, ns.prefix, variant, name, JSON.stringify(bookings)]);
  onTestFinished(() => worker.kill());
  for (const b of bookings) await worker.waitForLine(`paused ${b.id} after ${b.stopAfter}`);
  await worker.kill();
}

/** How each trip looks now: 'booked', 'untouched' or 'half-done'. */
const verdicts = async (bookings: Booking[]) =>
  Promise.all(bookings.map(async (b) => tripIs(await readTrip(redis, b.trip), b.id, b.trip, WALLET)));

const count = (list: string[], verdict: string): number => list.filter((v) => v === verdict).length;

/** Six trips, stopped alternately after the seat (step 1) and after the payment (step 2). */
const midway = (tag: string): Booking[] =>
  Array.from({ length: 6 }, (_, i) => ({
    id: `trip-${tag}-${i}`,
    trip: newTrip(`${tag}-${i}`),
    stopAfter: 1 + (i % 2),
  }));

describe('a worker SIGKILLed between two steps', () => {
  it('break it: the naive saga leaves every crashed trip half-done for good; the logged one is restored by recover() elsewhere', async () => {
    const naiveTrips = midway('naive');
    const loggedTrips = midway('logged');
    await seedWallets(
      redis,
      [...naiveTrips, ...loggedTrips].map((b) => b.trip),
    );

    await Promise.all([crashWorker('naive', 'naive', naiveTrips), crashWorker('logged', 'logged', loggedTrips)]);

    // Right after the crash both are half-done: seats taken, half the wallets debited, no booking.
    expect(count(await verdicts(naiveTrips), 'half-done')).toBe(6);
    expect(count(await verdicts(loggedTrips), 'half-done')).toBe(6);

    // Another instance, once the dead worker's leases have run out.
    const naiveRecovered = await naiveSaga(ns.client(), {
      name: 'naive',
      steps: tripSteps,
      clock: afterLeases,
    }).recover();
    const loggedRecovered = await saga(ns.client(), { name: 'logged', steps: tripSteps, clock: afterLeases }).recover();

    expect(naiveRecovered).toEqual([]); // nothing says what the dead worker had done
    expect(count(await verdicts(naiveTrips), 'half-done')).toBe(6);
    expect(loggedRecovered.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      loggedTrips.map((b) => ({ id: b.id, status: 'compensated', undone: b.stopAfter })),
    );
    expect(await verdicts(loggedTrips)).toEqual(loggedTrips.map(() => 'untouched')); // seat free, wallet whole, no booking
    expect(await redis.zcard(sagaKeys('logged', '').active)).toBe(0);
  });

  it("waits out the dead worker's lease, then completes the saga whose every step was logged and compensates the other", async () => {
    const late = { id: 'trip-late', trip: newTrip('late'), stopAfter: 3 }; // died before ending its saga
    const mid = { id: 'trip-mid', trip: newTrip('mid'), stopAfter: 2 };
    await seedWallets(redis, [late.trip, mid.trip]);
    await crashWorker('logged', 'lease', [late, mid]);

    // The worker took the default lease (30 s) a moment ago: by the real clock it still runs.
    expect(await saga(ns.client(), { name: 'lease', steps: tripSteps, clock: systemClock }).recover()).toEqual([]);
    expect(await verdicts([late, mid])).toEqual(['booked', 'half-done']);

    const trips = saga(ns.client(), { name: 'lease', steps: tripSteps, clock: afterLeases });
    const recovered = await trips.recover();
    expect(recovered.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'trip-late', status: 'completed', undone: 0 }, // rolled forward: nothing left to do but end it
      { id: 'trip-mid', status: 'compensated', undone: 2 },
    ]);
    expect(await verdicts([late, mid])).toEqual(['booked', 'untouched']);
    expect((await trips.inspect('trip-late'))?.state).toBe('completed');
  });

  it('restores each trip exactly once when two recoverers race, and a later recover() changes nothing more', async () => {
    const bookings = midway('race');
    await seedWallets(
      redis,
      bookings.map((b) => b.trip),
    );
    await crashWorker('logged', 'race', bookings);

    const recoverer = () => saga(ns.client(), { name: 'race', steps: tripSteps, clock: afterLeases });
    const [a, b] = await Promise.all([recoverer().recover(), recoverer().recover()]);
    const ids = [...a, ...b].map((r) => r.id).sort();
    expect(ids).toEqual(bookings.map((x) => x.id).sort()); // each saga taken over by one of the two
    expect(await verdicts(bookings)).toEqual(bookings.map(() => 'untouched'));

    expect(await recoverer().recover()).toEqual([]);
    expect(await verdicts(bookings)).toEqual(bookings.map(() => 'untouched')); // no wallet credited twice
  });
});
