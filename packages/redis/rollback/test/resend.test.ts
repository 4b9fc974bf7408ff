// A reply lost after Redis acted (faultyLink drops it and resets the connection; ioredis reconnects and
// re-sends the command, so Redis runs the script twice), and a compensation simply run twice. Each
// logged step and each compensation must have the effect of one run; the naive ones do not.
import { faultyLink, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { saga, type SagaOutcome } from '../src/index.ts';
import { naiveSaga } from '../src/naive.ts';
import { readTrip, tripIs, tripKeys, tripSteps, type Trip, type TripState } from '../src/trip.ts';
import { WALLET, dropReplyTo, loadScripts, newTrip, runTwice, seedWallets } from './helpers.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'rollback_resend' });
  admin = ns.client();
  await loadScripts(admin);
});
afterAll(() => ns?.close());

/** A client of the namespace whose connection goes through a faultyLink. */
async function linkedClient() {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  await client.ping(); // connected: the reply dropped later is a script's, not the handshake's
  return { link, client };
}

const DONE = '*1\r\n$4\r\ndone\r\n';

interface ForwardCase {
  step: string;
  keyOf: (trip: Trip) => string;
  naive: string;
  /** The naive saga's outcome and what Redis holds after it. */
  naiveOutcome: Partial<SagaOutcome>;
  naiveState: (trip: Trip) => TripState;
}

const forward: ForwardCase[] = [
  {
    step: 'reserve-seat',
    keyOf: (t) => tripKeys(t).seat,
    naive: 'fails "already taken" on the seat it holds itself, and keeps it',
    naiveOutcome: { status: 'compensated', failedStep: 'reserve-seat', reason: 'already taken', undone: 0 },
    naiveState: () => ({ seatHolder: 'N', wallet: WALLET, booked: false }),
  },
  {
    step: 'debit-wallet',
    keyOf: (t) => tripKeys(t).wallet,
    naive: 'completes having taken the price twice',
    naiveOutcome: { status: 'completed' },
    naiveState: (t) => ({ seatHolder: 'N', wallet: WALLET - 2 * t.price, booked: true }),
  },
  {
    step: 'record-booking',
    keyOf: (t) => tripKeys(t).booking,
    naive: 'fails "already exists" on its own booking, refunds, and leaves the booking',
    naiveOutcome: { status: 'compensated', failedStep: 'record-booking', reason: 'already exists', undone: 2 },
    naiveState: () => ({ seatHolder: null, wallet: WALLET, booked: true }),
  },
];

describe('a lost reply to a forward step, re-sent by ioredis', () => {
  it.each(forward.map((c) => [c.step, c.naive, c] as const))(
    're-sent %s: the logged step runs once and the trip is booked; the naive step %s',
    async (step, _naive, { keyOf, naiveOutcome, naiveState }) => {
      const logged = newTrip(`fw-logged-${step}`);
      const naive = newTrip(`fw-naive-${step}`);
      await seedWallets(admin, [logged, naive]);

      const a = await linkedClient();
      const loggedDrop = dropReplyTo(a.client, a.link, 'step-3.lua', keyOf(logged));
      const loggedOutcome = await saga(loggedDrop.client, { name: `fw-${step}`, steps: tripSteps }).run('L', logged);
      expect((await loggedDrop.lost()).toString()).toBe(DONE); // the first run did the step
      expect(a.link.connections).toBe(2); // and the answer came from the re-send, on a new connection
      expect(loggedOutcome.status).toBe('completed');
      expect(await readTrip(admin, logged)).toEqual({ seatHolder: 'L', wallet: WALLET - logged.price, booked: true });

      const b = await linkedClient();
      const naiveDrop = dropReplyTo(b.client, b.link, 'naive-step-1.lua', keyOf(naive));
      const outcome = await naiveSaga(naiveDrop.client, { name: `fw-${step}`, steps: tripSteps }).run('N', naive);
      expect((await naiveDrop.lost()).toString()).toBe(DONE);
      expect(b.link.connections).toBe(2);
      expect(outcome).toMatchObject(naiveOutcome);
      const state = await readTrip(admin, naive);
      expect(state).toEqual(naiveState(naive));
      expect(tripIs(state, 'N', naive, WALLET)).toBe('half-done');
    },
  );
});

/** A trip whose booking reference is already taken: step 3 fails, steps 2 and 1 are compensated. */
async function clashingTrip(tag: string): Promise<Trip> {
  const trip = newTrip(tag);
  await seedWallets(admin, [trip]);
  await admin.hset(tripKeys(trip).booking, 'saga', 'another-trip');
  return trip;
}

describe('a compensation that runs twice', () => {
  it('re-sent by ioredis after a lost reply: the logged refund is paid once, the naive refund twice', async () => {
    const logged = await clashingTrip('refund-logged');
    const naive = await clashingTrip('refund-naive');
    const a = await linkedClient();
    const b = await linkedClient();
    const l = dropReplyTo(a.client, a.link, 'compensate-3.lua', tripKeys(logged).wallet);
    const n = dropReplyTo(b.client, b.link, 'naive-undo-1.lua', tripKeys(naive).wallet);

    const loggedTrips = saga(l.client, { name: 'refund', steps: tripSteps });
    expect(await loggedTrips.run('L', logged)).toMatchObject({ status: 'compensated', undone: 2 });
    expect((await l.lost()).toString()).toBe('*2\r\n$6\r\nundone\r\n:1\r\n');
    expect(await naiveSaga(n.client, { name: 'refund', steps: tripSteps }).run('N', naive)).toMatchObject({
      status: 'compensated',
      undone: 2,
    });
    await n.lost();

    expect(Number(await admin.get(tripKeys(logged).wallet))).toBe(WALLET);
    expect(Number(await admin.get(tripKeys(naive).wallet))).toBe(WALLET + naive.price); // money out of nowhere
    // The re-sent run found the mark: the log counts one refund, and the seat was undone second.
    expect((await loggedTrips.inspect('L'))?.steps).toEqual([
      { name: 'reserve-seat', undoneOrder: 2 },
      { name: 'debit-wallet', undoneOrder: 1 },
    ]);
  });

  it('run twice by the caller (a retry): the second logged run answers as the first and changes nothing; the naive one refunds again', async () => {
    const logged = await clashingTrip('twice-logged');
    const naive = await clashingTrip('twice-naive');
    const l = runTwice(admin, 'compensate-3.lua');
    const n = runTwice(admin, 'naive-undo-1.lua');

    await saga(l.client, { name: 'twice', steps: tripSteps }).run('L', logged);
    await naiveSaga(n.client, { name: 'twice', steps: tripSteps }).run('N', naive);

    expect(l.seconds).toEqual([
      ['undone', 1],
      ['undone', 2],
    ]);
    expect(await readTrip(admin, logged)).toEqual({ seatHolder: null, wallet: WALLET, booked: true });
    expect(n.seconds).toHaveLength(2);
    expect(Number(await admin.get(tripKeys(naive).wallet))).toBe(WALLET + naive.price);
  });
});
