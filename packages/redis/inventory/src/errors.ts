// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input and a failed server from the outcomes of a reservation (expired, unknown, used
// differently) with one guard: `isInventoryError(e, 'expired')`. Sold out is not an error: reserve()
// answers it, since a flash sale turns most buyers away.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type InventoryErrorCode = 'argument' | 'service' | 'expired' | 'not-found' | 'conflict';

/** Base of every error this package throws: `isInventoryError(e, code?)` tells them apart. */
export abstract class InventoryError extends PocError {
  readonly scope = 'poc-redis-inventory';
  abstract override readonly code: InventoryErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class InventoryArgumentError extends InventoryError {
  readonly code = 'argument';
}

/**
 * A server failed or could not be reached; `cause` is the client's error. The caller cannot tell whether
 * the command ran: retrying the same call with the same reservation id is safe (the scripts are idempotent).
 */
export class InventoryServiceError extends InventoryError {
  readonly code = 'service';
}

/** What identifies the reservation an outcome is about. */
interface ReservationRef {
  sku: string;
  reservationId: string;
}

/** confirm() came after the reservation's TTL: its units went back to stock (and may be sold to someone else). */
export class ReservationExpiredError extends InventoryError {
  readonly code = 'expired';
  readonly sku: string;
  readonly reservationId: string;
  /** When the hold ended (epoch ms, on the clock that decides expiry). */
  readonly expiredAt: number;
  constructor(ref: ReservationRef, expiredAt: number) {
    super(
      `reservation "${ref.reservationId}" of "${ref.sku}" expired at ${new Date(expiredAt).toISOString()}: its units went back to stock`,
    );
    this.sku = ref.sku;
    this.reservationId = ref.reservationId;
    this.expiredAt = expiredAt;
  }
}

/** No reservation with this id (never made, or settled longer ago than `receiptTtlMs`). */
export class ReservationNotFoundError extends InventoryError {
  readonly code = 'not-found';
  readonly sku: string;
  readonly reservationId: string;
  constructor(ref: ReservationRef) {
    super(
      `reservation "${ref.reservationId}" of "${ref.sku}" does not exist (or was settled too long ago to remember)`,
    );
    this.sku = ref.sku;
    this.reservationId = ref.reservationId;
  }
}

/** What a reservation id already stands for, when a call asks it for something else. */
export type ReservationState = 'held' | 'confirmed' | 'released' | 'expired';

/**
 * The reservation id already did something else: it was confirmed and is now released, released and is
 * now confirmed, or reserved again (after it was settled, or with another quantity). A reservation id
 * names one request; a new request needs a new id.
 */
export class ReservationConflictError extends InventoryError {
  readonly code = 'conflict';
  readonly sku: string;
  readonly reservationId: string;
  readonly state: ReservationState;
  constructor(ref: ReservationRef, state: ReservationState, detail: string) {
    super(`reservation "${ref.reservationId}" of "${ref.sku}" ${detail}`);
    this.sku = ref.sku;
    this.reservationId = ref.reservationId;
    this.state = state;
  }
}

export type AnyInventoryError =
  | InventoryArgumentError
  | InventoryServiceError
  | ReservationExpiredError
  | ReservationNotFoundError
  | ReservationConflictError;

/** The one guard: `isInventoryError(e, code?)`; given a code, it narrows to that error's class. */
export const isInventoryError = errorGuard<AnyInventoryError>('poc-redis-inventory');

/** Argument checks that throw InventoryArgumentError: `check.positiveInt('options.reservationTtlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new InventoryArgumentError(p.message));

/** Runs one redis call; a client failure becomes an InventoryServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new InventoryServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes an InventoryServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new InventoryServiceError(message, { cause }));
