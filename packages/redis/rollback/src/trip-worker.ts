// A worker process that books trips and stops dead after a chosen step, until it is killed: the crash
// the demo and the tests inflict with SIGKILL (spawnTsWorker().kill()). The pause comes from the saga's
// own onStep hook, so the crash point is exact: after step k is written, before step k + 1 is sent.
// Usage: trip-worker.ts <redis url> <key prefix> <logged | naive> <saga name> <JSON: [{ id, trip, stopAfter }]>
// Prints "paused <id> after <k>" at the stop, "<status> <id>" for a trip that runs to its end.
import { redisClient } from '@poc/harness';
import { naiveSaga } from './naive.ts';
import { saga, type StepEvent } from './saga.ts';
import { tripSteps, type Trip } from './trip.ts';

const [url, keyPrefix, variant, name, json] = process.argv.slice(2) as [string, string, string, string, string];
const bookings = JSON.parse(json) as Array<{ id: string; trip: Trip; stopAfter: number }>;
const stopAfter = new Map(bookings.map((b) => [b.id, b.stopAfter]));
const redis = redisClient(url, { keyPrefix });

const onStep = async (event: StepEvent): Promise<void> => {
  if (event.phase !== 'done' || stopAfter.get(event.sagaId) !== event.index) return;
  console.log(`paused ${event.sagaId} after ${event.index}`);
  await new Promise<never>(() => {}); // only SIGKILL ends this wait: no compensation, no finally
};
const options = { name, steps: tripSteps, onStep };
const trips = variant === 'naive' ? naiveSaga(redis, options) : saga(redis, options);
await Promise.all(
  bookings.map(async ({ id, trip }) => {
    const outcome = await trips.run(id, trip);
    console.log(`${outcome.status} ${id}`);
  }),
);
