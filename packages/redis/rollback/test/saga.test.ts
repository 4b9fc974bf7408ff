// Behaviour against the real Redis (state read back from the server, not from return values): a trip
// booked in three steps, a failing step compensated in reverse, a saga id run once, a caller that loses
// its saga to recovery, and contention on one wallet. Crashes are in crash.test.ts, lost replies in
// resend.test.ts, server faults in faults.test.ts.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SagaBusyError,
  SagaLostError,
  UndoLogMismatchError,
  claim,
  debit,
  insert,
  saga,
  sagaKeys,
  type SagaOptions,
} from '../src/index.ts';
import { readTrip, tripIs, tripKeys, tripSteps, type Trip } from '../src/trip.ts';
import { WALLET, afterLeases, newTrip, seedWallets, pauseAfter } from './helpers.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'rollback' });
  redis = ns.client();
});
afterAll(() => ns?.close());

/** A saga of trips under a name of its own (so recover() in one test never sees another test's sagas). */
const trips = (name: string, more: Partial<SagaOptions<Trip>> = {}) =>
  saga<Trip>(ns.client(), { name, steps: tripSteps, ...more });

describe('a trip booked as a saga', () => {
  it('books the seat, debits the wallet and records the booking, then ends its log as completed', async () => {
    const trip = newTrip('ok');
    await seedWallets(redis, [trip]);
    const booking = trips('ok', { retainMs: 60_000 });

    expect(await booking.run('trip-ok', trip)).toEqual({ status: 'completed', id: 'trip-ok', replayed: false });

    const state = await readTrip(redis, trip);
    expect(state).toEqual({ seatHolder: 'trip-ok', wallet: WALLET - trip.price, booked: true });
    expect(await redis.hgetall(tripKeys(trip).booking)).toEqual({
      saga: 'trip-ok',
      user: trip.user,
      flight: 'F100',
      seat: trip.seat,
      price: String(trip.price),
    });
    const record = await booking.inspect('trip-ok');
    expect(record?.state).toBe('completed');
    expect(record?.steps.map((s) => s.name)).toEqual(['reserve-seat', 'debit-wallet', 'record-booking']);
    const keys = sagaKeys('ok', 'trip-ok');
    expect(await redis.zscore(keys.active, 'trip-ok')).toBeNull(); // nothing left for recovery
    const ttl = await redis.pttl(keys.log);
    expect(ttl).toBeGreaterThan(0); // the finished log expires ...
    expect(ttl).toBeLessThanOrEqual(60_000); // ... after retainMs
  });

  it('compensates the done steps in reverse order when the last step fails: seat free, wallet whole, no booking', async () => {
    const trip = newTrip('clash');
    await seedWallets(redis, [trip]);
    await redis.hset(tripKeys(trip).booking, 'saga', 'someone-else', 'user', 'x'); // the reference is taken
    const events: string[] = [];
    const booking = trips('clash', { onStep: (e) => void events.push(`${e.step} ${e.phase}`) });

    expect(await booking.run('trip-clash', trip)).toEqual({
      status: 'compensated',
      id: 'trip-clash',
      failedStep: 'record-booking',
      reason: 'already exists',
      undone: 2,
      replayed: false,
    });

    expect(await readTrip(redis, trip)).toEqual({ seatHolder: null, wallet: WALLET, booked: true });
    expect(await redis.hget(tripKeys(trip).booking, 'saga')).toBe('someone-else'); // the other booking untouched
    // The order as the server recorded it: debit-wallet undone first, then reserve-seat.
    expect(await booking.inspect('trip-clash')).toMatchObject({
      state: 'compensated',
      failedStep: 'record-booking',
      reason: 'already exists',
      steps: [
        { name: 'reserve-seat', undoneOrder: 2 },
        { name: 'debit-wallet', undoneOrder: 1 },
      ],
    });
    expect(events).toEqual([
      'reserve-seat done',
      'debit-wallet done',
      'record-booking failed',
      'debit-wallet undone',
      'reserve-seat undone',
    ]);
  });

  it('compensates only the seat when the wallet cannot pay, and leaves the wallet as it was', async () => {
    const trip = newTrip('poor', { price: WALLET + 1 });
    await seedWallets(redis, [trip]);
    const outcome = await trips('poor').run('trip-poor', trip);
    expect(outcome).toMatchObject({
      status: 'compensated',
      failedStep: 'debit-wallet',
      reason: `insufficient funds (balance ${WALLET}, amount ${WALLET + 1})`,
      undone: 1,
    });
    expect(tripIs(await readTrip(redis, trip), 'trip-poor', trip, WALLET)).toBe('untouched');
  });

  it('runs a saga id once: a second run() gets the first outcome, and no step runs again', async () => {
    const trip = newTrip('twice');
    await seedWallets(redis, [trip]);
    const booking = trips('twice');
    await booking.run('trip-twice', trip);
    expect(await booking.run('trip-twice', trip)).toEqual({ status: 'completed', id: 'trip-twice', replayed: true });
    expect(await readTrip(redis, trip)).toEqual({
      seatHolder: 'trip-twice',
      wallet: WALLET - trip.price,
      booked: true,
    });

    const clash = newTrip('twice-clash');
    await seedWallets(redis, [clash]);
    await redis.hset(tripKeys(clash).booking, 'saga', 'other');
    await booking.run('trip-twice-clash', clash);
    expect(await booking.run('trip-twice-clash', clash)).toEqual({
      status: 'compensated',
      id: 'trip-twice-clash',
      failedStep: 'record-booking',
      reason: 'already exists',
      undone: 2,
      replayed: true,
    });
    expect(await redis.get(tripKeys(clash).wallet)).toBe(String(WALLET));
  });

  it('refuses a second run() of a saga that its first caller still owns (SagaBusyError)', async () => {
    const trip = newTrip('busy');
    await seedWallets(redis, [trip]);
    const pause = pauseAfter(1);
    const first = trips('busy', { onStep: pause.onStep }).run('trip-busy', trip);
    await pause.paused;

    const err = await trips('busy')
      .run('trip-busy', trip)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SagaBusyError);
    expect((err as Error).message).toBe('saga "trip-busy" is already running under another owner');

    pause.release();
    expect((await first).status).toBe('completed');
    expect(tripIs(await readTrip(redis, trip), 'trip-busy', trip, WALLET)).toBe('booked');
  });

  it('compensates the done steps, then rejects with the reason, when its signal aborts between steps', async () => {
    const trip = newTrip('abort');
    await seedWallets(redis, [trip]);
    const controller = new AbortController();
    const reason = new Error('the traveller closed the page');
    const booking = trips('abort', {
      onStep: (e) => {
        if (e.phase === 'done' && e.index === 2) controller.abort(reason);
      },
    });
    await expect(booking.run('trip-abort', trip, { signal: controller.signal })).rejects.toBe(reason);
    expect(tripIs(await readTrip(redis, trip), 'trip-abort', trip, WALLET)).toBe('untouched');
    expect(await booking.inspect('trip-abort')).toMatchObject({
      state: 'compensated',
      failedStep: 'record-booking',
      reason: 'aborted by the caller',
    });
  });

  it('under contention, 20 travellers on one wallet that pays for 5: 5 booked, 15 compensated, none half-done', async () => {
    const TRAVELLERS = 20;
    const list = Array.from({ length: TRAVELLERS }, (_, i) => newTrip(`race-${i}`, { user: 'family' }));
    await redis.set(tripKeys(list[0]!).wallet, 5 * list[0]!.price);
    const booking = trips('race');

    const outcomes = await Promise.all(list.map((trip, i) => booking.run(`trip-race-${i}`, trip)));

    expect(outcomes.filter((o) => o.status === 'completed')).toHaveLength(5);
    const failed = outcomes.filter((o) => o.status === 'compensated');
    expect(failed).toHaveLength(15);
    for (const o of failed) expect(o).toMatchObject({ failedStep: 'debit-wallet', undone: 1 });
    expect(await redis.get(tripKeys(list[0]!).wallet)).toBe('0');
    for (const [i, trip] of list.entries()) {
      const state = await readTrip(redis, trip);
      const booked = outcomes[i]!.status === 'completed';
      expect(state.seatHolder).toBe(booked ? `trip-race-${i}` : null);
      expect(state.booked).toBe(booked);
    }
    expect(await redis.zcard(sagaKeys('race', '').active)).toBe(0);
  });

  it('refuses the next step of a caller whose lease ran out and whose saga recovery took over (SagaLostError)', async () => {
    const trip = newTrip('slow');
    await seedWallets(redis, [trip]);
    const pause = pauseAfter(1); // alive but stalled (a GC pause, a slow dependency) past its lease
    const outcome = trips('slow', { onStep: pause.onStep })
      .run('trip-slow', trip)
      .catch((e: unknown) => e);
    await pause.paused;

    expect(await trips('slow', { clock: afterLeases }).recover()).toEqual([
      { id: 'trip-slow', status: 'compensated', undone: 1 },
    ]);
    pause.release(); // the stalled caller wakes up and sends step 2

    const err = await outcome;
    expect(err).toBeInstanceOf(SagaLostError);
    expect((err as Error).message).toBe(
      'saga "trip-slow" was taken over before step "debit-wallet": it is compensated under another owner (its lease ran out)',
    );
    expect(tripIs(await readTrip(redis, trip), 'trip-slow', trip, WALLET)).toBe('untouched'); // no debit slipped in
  });

  it('refuses to compensate from a log that the step definitions no longer match (UndoLogMismatchError)', async () => {
    const trip = newTrip('drift');
    await seedWallets(redis, [trip]);
    const pause = pauseAfter(2);
    const outcome = trips('drift', { onStep: pause.onStep })
      .run('trip-drift', trip)
      .catch((e: unknown) => e);
    await pause.paused;

    // A new deployment moved wallets to other keys while this saga was in flight.
    const moved = [
      claim<Trip>('reserve-seat', (t) => tripKeys(t).seat),
      debit<Trip>(
        'debit-wallet',
        (t) => `wallets:${t.user}`,
        (t) => t.price,
      ),
      insert<Trip>(
        'record-booking',
        (t) => tripKeys(t).booking,
        () => ({ v: '2' }),
      ),
    ];
    const err = await saga(ns.client(), { name: 'drift', steps: moved, clock: afterLeases })
      .recover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UndoLogMismatchError);
    expect((err as Error).message).toBe(
      `the undo log of saga "trip-drift" does not match its step definitions at step 2: it logged "debit-wallet" on ` +
        `${ns.prefix}wallet:${trip.user}, the steps give "debit-wallet" on ${ns.prefix}wallets:${trip.user} ` +
        '(were the steps changed while it ran?)',
    );
    expect((await readTrip(redis, trip)).wallet).toBe(WALLET - trip.price); // nothing credited to a guessed key
    pause.release();
    expect(await outcome).toBeInstanceOf(SagaLostError);
  });
});
