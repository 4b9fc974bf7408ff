// The history RabbitMQ writes into a message each time it dead-letters it, parsed into types. `x-death`
// is an array with one entry per (queue, reason) — most recent first — whose `count` goes up each time the
// message dies the same way in the same queue; `x-first-death-{reason,queue,exchange}` name the first
// death and never change. The parser is strict: a field that is missing or of the wrong kind is a
// DeadLetterHeaderError naming its path, not an `undefined` that surfaces three calls later.
import { checkHeader } from './errors.ts';

/** Why RabbitMQ dead-lettered a message. */
export type DeathReason =
  /** basic.reject or basic.nack with requeue=false. */
  | 'rejected'
  /** Its TTL (per message or per queue) ran out. */
  | 'expired'
  /** The queue was full (x-max-length / x-max-length-bytes) with overflow drop-head or reject-publish-dlx. */
  | 'maxlen'
  /** A quorum queue returned it more often than its x-delivery-limit. */
  | 'delivery_limit';
export const DEATH_REASONS: readonly DeathReason[] = ['rejected', 'expired', 'maxlen', 'delivery_limit'];

/** One entry of x-death: how a message died in one queue, and how many times. */
export interface Death {
  readonly reason: DeathReason;
  /** Times the message died in this queue for this reason. */
  readonly count: number;
  readonly queue: string;
  /** The exchange the message had been published to before it died here ("" = the default exchange). */
  readonly exchange: string;
  /** Its routing key, plus any CC keys it was published with. */
  readonly routingKeys: readonly string[];
  /** When it (last) died this way; second resolution, by the broker's clock. */
  readonly time: Date;
  /** The per-message TTL it had (the broker removes `expiration` from a dead-lettered message). */
  readonly originalExpiration?: string;
}

/** Where a message first (or last) died. */
export interface DeathPlace {
  readonly reason: DeathReason;
  readonly queue: string;
  readonly exchange: string;
}

export interface DeathHistory {
  /** The x-death entries, most recent first, as the broker keeps them. Empty for a message that never died. */
  readonly deaths: readonly Death[];
  /** From x-first-death-*: where it died the first time. */
  readonly first: DeathPlace | undefined;
  /** Sum of every entry's count: how many times it was dead-lettered in all. */
  readonly total: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An AMQP timestamp as amqplib decodes it ({ '!': 'timestamp', value: seconds }), seconds, or a Date. */
function parseTime(path: string, value: unknown): Date {
  if (value instanceof Date) {
    checkHeader.that(!Number.isNaN(value.getTime()), path, 'must be a valid date', String(value));
    return value;
  }
  const seconds = isObject(value) && value['!'] === 'timestamp' ? value.value : value;
  checkHeader.that(
    Number.isSafeInteger(seconds) && (seconds as number) >= 0,
    path,
    'must be an AMQP timestamp (seconds since the epoch)',
    isObject(value) ? JSON.stringify(value) : value,
  );
  return new Date((seconds as number) * 1_000);
}

function parseDeath(path: string, entry: unknown): Death {
  checkHeader.kind(isObject(entry), path, 'must be a table (an object)', entry);
  const { reason, count, queue, exchange, time } = entry;
  const routingKeys = entry['routing-keys'];
  const originalExpiration = entry['original-expiration'];
  checkHeader.oneOf(`${path}.reason`, reason, DEATH_REASONS);
  checkHeader.positiveInt(`${path}.count`, count);
  checkHeader.name(`${path}.queue`, queue);
  checkHeader.that(
    typeof exchange === 'string',
    `${path}.exchange`,
    'must be a string ("" is the default exchange)',
    exchange,
  );
  checkHeader.kind(
    Array.isArray(routingKeys) && routingKeys.every((k) => typeof k === 'string'),
    `${path}.routing-keys`,
    'must be an array of strings',
    routingKeys,
  );
  checkHeader.that(
    originalExpiration === undefined || typeof originalExpiration === 'string',
    `${path}.original-expiration`,
    'must be a string when present',
    originalExpiration,
  );
  return {
    reason,
    count,
    queue,
    exchange: exchange as string,
    routingKeys: routingKeys as string[],
    time: parseTime(`${path}.time`, time),
    ...(originalExpiration === undefined ? {} : { originalExpiration: originalExpiration as string }),
  };
}

/**
 * Parses the dead-letter history of a message from its headers (`msg.properties.headers`). A message that
 * never died (no x-death) has an empty history. Throws DeadLetterHeaderError when a header is malformed.
 */
export function parseXDeath(headers: Readonly<Record<string, unknown>> | undefined): DeathHistory {
  checkHeader.kind(headers === undefined || isObject(headers), 'headers', 'must be an object or undefined', headers);
  const raw = headers?.['x-death'];
  if (raw === undefined) {
    checkHeader.that(
      headers?.['x-first-death-reason'] === undefined,
      'x-first-death-reason',
      'must come with x-death',
      headers?.['x-first-death-reason'],
    );
    return { deaths: [], first: undefined, total: 0 };
  }
  checkHeader.kind(Array.isArray(raw) && raw.length > 0, 'x-death', 'must be a non-empty array of tables', raw);
  const deaths = raw.map((entry, i) => parseDeath(`x-death[${i}]`, entry));
  const reason = headers!['x-first-death-reason'];
  const queue = headers!['x-first-death-queue'];
  const exchange = headers!['x-first-death-exchange'];
  checkHeader.oneOf('x-first-death-reason', reason, DEATH_REASONS);
  checkHeader.name('x-first-death-queue', queue);
  checkHeader.that(typeof exchange === 'string', 'x-first-death-exchange', 'must be a string', exchange);
  return {
    deaths,
    first: { reason, queue, exchange: exchange as string },
    total: deaths.reduce((sum, d) => sum + d.count, 0),
  };
}

/** How many times the history says the message died, in `queue` and/or for `reason` (both optional). */
export function deathCount(history: DeathHistory, where: { queue?: string; reason?: DeathReason } = {}): number {
  return history.deaths
    .filter(
      (d) =>
        (where.queue === undefined || d.queue === where.queue) &&
        (where.reason === undefined || d.reason === where.reason),
    )
    .reduce((sum, d) => sum + d.count, 0);
}
