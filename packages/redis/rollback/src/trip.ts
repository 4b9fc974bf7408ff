// The scenario the demo, the tests and the bench share (not part of the public API): book a trip in
// three steps, each on its own key — reserve the seat, debit the traveller's wallet, record the booking
// under its reference (unique, like a PNR: a clash fails the step).
import type { Redis } from 'ioredis';
import { claim, debit, insert, type Step } from './steps.ts';

export interface Trip {
  readonly user: string;
  readonly flight: string;
  readonly seat: string;
  readonly price: number;
  /** The booking reference; a booking with the same reference makes the last step fail. */
  readonly reference: string;
}

export const tripKeys = (trip: Trip): { seat: string; wallet: string; booking: string } => ({
  seat: `seat:${trip.flight}:${trip.seat}`,
  wallet: `wallet:${trip.user}`,
  booking: `booking:${trip.reference}`,
});

export const tripSteps: ReadonlyArray<Step<Trip>> = [
  claim('reserve-seat', (t) => tripKeys(t).seat),
  debit(
    'debit-wallet',
    (t) => tripKeys(t).wallet,
    (t) => t.price,
  ),
  insert(
    'record-booking',
    (t) => tripKeys(t).booking,
    (t) => ({ user: t.user, flight: t.flight, seat: t.seat, price: String(t.price) }),
  ),
];

/** What Redis holds for one trip, read back from the server. */
export interface TripState {
  /** The saga id holding the seat, if any. */
  readonly seatHolder: string | null;
  readonly wallet: number;
  readonly booked: boolean;
}

export async function readTrip(redis: Redis, trip: Trip): Promise<TripState> {
  const keys = tripKeys(trip);
  const [seatHolder, wallet, booked] = await Promise.all([
    redis.get(keys.seat),
    redis.get(keys.wallet),
    redis.exists(keys.booking),
  ]);
  return { seatHolder, wallet: Number(wallet), booked: booked === 1 };
}

/**
 * All or nothing: the seat held by this trip, the wallet debited and the booking recorded, or none of
 * the three. Anything in between is a half-done trip.
 */
export function tripIs(
  state: TripState,
  id: string,
  trip: Trip,
  walletBefore: number,
): 'booked' | 'untouched' | 'half-done' {
  const seat = state.seatHolder === id;
  const paid = state.wallet === walletBefore - trip.price;
  const nothing = state.seatHolder === null && state.wallet === walletBefore && !state.booked;
  if (seat && paid && state.booked) return 'booked';
  return nothing ? 'untouched' : 'half-done';
}
