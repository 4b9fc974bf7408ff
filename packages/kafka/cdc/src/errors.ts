// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from a database that cannot do logical replication)
// with one guard, `isCdcError(e, code?)`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type CdcErrorCode = 'argument' | 'setup' | 'service';

/** Base of every error this package throws: `isCdcError(e, code?)` tells them apart. */
export abstract class CdcError extends PocError {
  readonly scope = 'poc-kafka-cdc';
  abstract override readonly code: CdcErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CdcArgumentError extends CdcError {
  readonly code = 'argument';
}

/**
 * The database cannot feed this connector as asked: wal_level is not logical, a table is missing or
 * has no primary key (a change could not be keyed), or another process holds the replication slot.
 */
export class CdcSetupError extends CdcError {
  readonly code = 'setup';
}

/** PostgreSQL or Kafka failed or could not be reached; `cause` is the client's error. */
export class CdcServiceError extends CdcError {
  readonly code = 'service';
}

export type AnyCdcError = CdcArgumentError | CdcSetupError | CdcServiceError;

/** The one guard: `isCdcError(e, code?)`; given a code, it narrows to that error's class. */
export const isCdcError = errorGuard<AnyCdcError>('poc-kafka-cdc');

/** Argument checks that throw CdcArgumentError: `check.positiveInt('options.maxBatch', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CdcArgumentError(p.message));

/** KafkaJS wraps the real failure (refused connection, timeout) in a "retries exceeded" error: show the chain. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const parts = [`${e.name}: ${e.message}`];
  let inner = e.cause ?? (e as { originalError?: unknown }).originalError;
  while (inner instanceof Error && parts.length < 3) {
    parts.push(`${inner.name}: ${inner.message}`);
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ');
}

/** Runs one call to a server; its failure becomes a CdcServiceError naming what was being done and why. */
export function serviceFailure<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall(
    (_message, cause) => new CdcServiceError(`${what} failed: ${describeError(cause)}`, { cause }),
  );
  return wrapped(what, call);
}

/** Runs one KafkaJS call (this package's own errors pass through unchanged). */
export const kafkaCall = serviceFailure;

/** Runs one PostgreSQL call (this package's own errors pass through unchanged). */
export const postgresCall = serviceFailure;

/** Kafka's own rule for topic names: 1-249 of [a-zA-Z0-9._-], not "." or "..". */
export function requireTopic(argument: string, value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(value) && value !== '.' && value !== '..',
    argument,
    'must be a Kafka topic name: 1-249 characters of [a-zA-Z0-9._-]',
    value,
  );
}

/** A table as this package names it: "schema.table", lower-case SQL identifiers (no quoting needed). */
export function requireTable(argument: string, value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/.test(value),
    argument,
    'must be "schema.table" in lower-case identifiers of [a-z0-9_]',
    value,
  );
}
