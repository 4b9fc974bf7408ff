// parseXDeath on its own: the shapes a header can arrive in, and a table of malformed headers, each with
// the exact DeadLetterHeaderError it gets (the path of the field and the rule). The headers the broker
// really writes are parsed in test/dead-letter.test.ts.
import { describe, expect, it } from 'vitest';
import { DeadLetterHeaderError, deathCount, isDeadLetterError, parseXDeath } from '../src/index.ts';

/** A header as amqplib decodes what RabbitMQ 3.10 writes (captured from the broker, then trimmed). */
const real = (): Record<string, unknown> => ({
  'x-death': [
    {
      count: 2,
      reason: 'expired',
      queue: 'wait',
      time: { '!': 'timestamp', value: 1_796_169_271 },
      exchange: '',
      'routing-keys': ['wait'],
    },
    {
      count: 3,
      reason: 'rejected',
      queue: 'work',
      time: { '!': 'timestamp', value: 1_796_169_270 },
      exchange: 'orders',
      'routing-keys': ['order.eu.created', 'audit.copy'],
      'original-expiration': '60000',
    },
  ],
  'x-first-death-exchange': 'orders',
  'x-first-death-queue': 'work',
  'x-first-death-reason': 'rejected',
});

describe('parseXDeath', () => {
  it('parses entries most recent first, with their counts, times, routing keys and original expiration', () => {
    const h = parseXDeath(real());
    expect(h).toEqual({
      deaths: [
        {
          reason: 'expired',
          count: 2,
          queue: 'wait',
          exchange: '',
          routingKeys: ['wait'],
          time: new Date(1_796_169_271_000),
        },
        {
          reason: 'rejected',
          count: 3,
          queue: 'work',
          exchange: 'orders',
          routingKeys: ['order.eu.created', 'audit.copy'],
          time: new Date(1_796_169_270_000),
          originalExpiration: '60000',
        },
      ],
      first: { reason: 'rejected', queue: 'work', exchange: 'orders' },
      total: 5,
    });
    expect(deathCount(h)).toBe(5);
    expect(deathCount(h, { queue: 'work' })).toBe(3);
    expect(deathCount(h, { reason: 'expired', queue: 'work' })).toBe(0);
  });

  it('gives an empty history to a message that never died', () => {
    expect(parseXDeath(undefined)).toEqual({ deaths: [], first: undefined, total: 0 });
    expect(parseXDeath({ other: 1 })).toEqual({ deaths: [], first: undefined, total: 0 });
  });

  it('takes a time given as seconds or as a Date (another client may decode timestamps so)', () => {
    const asSeconds = real();
    (asSeconds['x-death'] as Array<Record<string, unknown>>)[0]!.time = 1_796_169_271;
    const asDate = real();
    (asDate['x-death'] as Array<Record<string, unknown>>)[0]!.time = new Date(1_796_169_271_000);
    expect(parseXDeath(asSeconds).deaths[0]!.time).toEqual(new Date(1_796_169_271_000));
    expect(parseXDeath(asDate).deaths[0]!.time).toEqual(new Date(1_796_169_271_000));
  });
});

/** real() with entry 0's field `field` set to `value` (undefined deletes it). */
const withEntry = (field: string, value: unknown): Record<string, unknown> => {
  const h = real();
  const entry = (h['x-death'] as Array<Record<string, unknown>>)[0]!;
  if (value === undefined) delete entry[field];
  else entry[field] = value;
  return h;
};
const without = (header: string): Record<string, unknown> => {
  const h = real();
  delete h[header];
  return h;
};

const malformed: Array<[string, unknown, string]> = [
  ['headers that are not an object', 'x-death', 'headers must be an object or undefined (got a string)'],
  [
    'x-death that is not an array',
    { ...real(), 'x-death': { count: 1 } },
    'x-death must be a non-empty array of tables (got an object)',
  ],
  ['an empty x-death', { ...real(), 'x-death': [] }, 'x-death must be a non-empty array of tables (got an array)'],
  [
    'an entry that is not a table',
    { ...real(), 'x-death': ['rejected'] },
    'x-death[0] must be a table (an object) (got a string)',
  ],
  [
    'an unknown reason',
    withEntry('reason', 'timeout'),
    'x-death[0].reason must be one of "rejected", "expired", "maxlen", "delivery_limit" (got "timeout")',
  ],
  ['a count given as a string', withEntry('count', '2'), 'x-death[0].count must be a positive integer (got "2")'],
  ['a count of zero', withEntry('count', 0), 'x-death[0].count must be a positive integer (got 0)'],
  ['a missing queue', withEntry('queue', undefined), 'x-death[0].queue must be a non-empty string (got undefined)'],
  [
    'an exchange that is not a string',
    withEntry('exchange', null),
    'x-death[0].exchange must be a string ("" is the default exchange) (got null)',
  ],
  [
    'routing keys that are not strings',
    withEntry('routing-keys', ['a', 2]),
    'x-death[0].routing-keys must be an array of strings (got an array)',
  ],
  [
    'a time that is not a timestamp',
    withEntry('time', 'yesterday'),
    'x-death[0].time must be an AMQP timestamp (seconds since the epoch) (got "yesterday")',
  ],
  [
    'a timestamp table without a value',
    withEntry('time', { '!': 'timestamp' }),
    'x-death[0].time must be an AMQP timestamp (seconds since the epoch) (got "{\\"!\\":\\"timestamp\\"}")',
  ],
  [
    'an invalid Date',
    withEntry('time', new Date(Number.NaN)),
    'x-death[0].time must be a valid date (got "Invalid Date")',
  ],
  [
    'an original expiration that is a number',
    withEntry('original-expiration', 60_000),
    'x-death[0].original-expiration must be a string when present (got 60000)',
  ],
  [
    'x-death without x-first-death-reason',
    without('x-first-death-reason'),
    'x-first-death-reason must be one of "rejected", "expired", "maxlen", "delivery_limit" (got undefined)',
  ],
  [
    'x-death without x-first-death-queue',
    without('x-first-death-queue'),
    'x-first-death-queue must be a non-empty string (got undefined)',
  ],
  [
    'x-first-death-reason without x-death',
    { 'x-first-death-reason': 'expired' },
    'x-first-death-reason must come with x-death (got "expired")',
  ],
];

describe('parseXDeath on a malformed header', () => {
  it.each(malformed)('rejects %s with a DeadLetterHeaderError naming the field', (_what, headers, message) => {
    let err: unknown;
    try {
      parseXDeath(headers as Record<string, unknown>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeadLetterHeaderError);
    expect(isDeadLetterError(err, 'header')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
