import { kafkaClient } from '@poc/harness';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  KafkaArgumentError,
  ensureTopics,
  isKafkaPocError,
  redirectingSocketFactory,
  runTypedConsumer,
  topic,
  typedProducer,
  type Topic,
} from '../src/index.ts';
import { eventTopic, type Event } from './helpers.ts';

// Clients are created but never connected: every call below must fail before anything is sent.
const kafka = kafkaClient('127.0.0.1:1');
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId: 'never-joins' });
const admin = kafka.admin();
const events = eventTopic('events');
const handle = async (): Promise<void> => {};
const deadLetter = { topic: 'events-dlt', producer };
const long = 'x'.repeat(250);

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'empty topic name',
    () => topic({ name: '', schema: z.string() }),
    'name must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".." (got "")',
  ],
  [
    'topic name with a space',
    () => topic({ name: 'my topic', schema: z.string() }),
    'name must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".." (got "my topic")',
  ],
  [
    'topic name "."',
    () => topic({ name: '.', schema: z.string() }),
    'name must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".." (got ".")',
  ],
  [
    'topic name of 250 characters',
    () => topic({ name: long, schema: z.string() }),
    `name must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".." (got "${'x'.repeat(60)}…")`,
  ],
  [
    'schema that is not a zod schema',
    () => topic({ name: 't', schema: { type: 'object' } as unknown as z.ZodType<unknown> }),
    'schema must be a zod schema (something with safeParse) (got an object)',
  ],
  [
    'missing topic spec',
    () => topic(undefined as unknown as { name: string; schema: z.ZodType<unknown> }),
    'spec must be an object { name, schema } (got undefined)',
  ],
  [
    'producer that is not a KafkaJS producer',
    () => typedProducer({} as Producer),
    'producer must be a KafkaJS producer (got an object)',
  ],
  [
    'producer options that are not an object',
    () => typedProducer(producer, null as unknown as { acks: 1 }),
    'options must be an object (got null)',
  ],
  ['acks of 2', () => typedProducer(producer, { acks: 2 as unknown as 1 }), 'acks must be -1 (all), 0 or 1 (got 2)'],
  [
    'validate as a string',
    () => typedProducer(producer, { validate: 'yes' as unknown as boolean }),
    'validate must be a boolean (got "yes")',
  ],
  [
    'empty batch',
    () => typedProducer(producer).send(events, []),
    'messages must be a non-empty array of { key, value } (got an array)',
  ],
  [
    'message without a key',
    () =>
      typedProducer(producer).send(events, [
        { value: { entity: 'a', seq: 1 } } as unknown as { key: string; value: Event },
      ]),
    'messages[0].key must be a non-empty string (got undefined)',
  ],
  [
    'numeric key',
    () => typedProducer(producer).send(events, [{ key: 7 as unknown as string, value: { entity: 'a', seq: 1 } }]),
    'messages[0].key must be a non-empty string (got 7)',
  ],
  [
    'topic given as a string to send',
    () =>
      typedProducer(producer).send('events' as unknown as Topic<Event>, [{ key: 'a', value: { entity: 'a', seq: 1 } }]),
    'topic must be a Topic made by topic({ name, schema }) (got a string)',
  ],
  [
    'consumer that is not a KafkaJS consumer',
    () => runTypedConsumer({} as Consumer, { topic: events, handle, deadLetter }),
    'consumer must be a KafkaJS consumer (got an object)',
  ],
  [
    'handler that is not a function',
    () => runTypedConsumer(consumer, { topic: events, handle: 'log' as unknown as typeof handle, deadLetter }),
    'handle must be a function (message) => Promise<void> (got a string)',
  ],
  [
    'missing dead-letter producer',
    () => runTypedConsumer(consumer, { topic: events, handle, deadLetter: { topic: 'dlt' } as typeof deadLetter }),
    'deadLetter.producer must be a KafkaJS producer (got undefined)',
  ],
  [
    'dead-letter topic equal to the topic',
    () => runTypedConsumer(consumer, { topic: events, handle, deadLetter: { topic: 'events', producer } }),
    'deadLetter.topic must differ from the topic it protects (got "events")',
  ],
  [
    'invalid dead-letter topic name',
    () => runTypedConsumer(consumer, { topic: events, handle, deadLetter: { topic: 'dead letters', producer } }),
    'deadLetter.topic must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".." (got "dead letters")',
  ],
  [
    'onDeadLetter that is not a function',
    () => runTypedConsumer(consumer, { topic: events, handle, deadLetter, onDeadLetter: {} as unknown as () => void }),
    'onDeadLetter must be a function (got an object)',
  ],
  [
    'onCrash that is not a function',
    () => runTypedConsumer(consumer, { topic: events, handle, deadLetter, onCrash: 'log' as unknown as () => void }),
    'onCrash must be a function (got a string)',
  ],
  [
    'zero partitions',
    () => ensureTopics(admin, [{ topic: 'events', partitions: 0 }]),
    'specs[0].partitions must be a positive integer (got 0)',
  ],
  [
    'fractional partitions',
    () => ensureTopics(admin, [{ topic: events, partitions: 1.5 }]),
    'specs[0].partitions must be a positive integer (got 1.5)',
  ],
  [
    'no topic specs',
    () => ensureTopics(admin, []),
    'specs must be a non-empty array of { topic, partitions } (got an array)',
  ],
  [
    'the same topic twice',
    () =>
      ensureTopics(admin, [
        { topic: 'a', partitions: 1 },
        { topic: 'a', partitions: 2 },
      ]),
    'specs must not name a topic twice (got "a,a")',
  ],
  [
    'admin that is not a KafkaJS admin',
    () => ensureTopics({} as Admin, [{ topic: 'a', partitions: 1 }]),
    'admin must be a KafkaJS admin client (got an object)',
  ],
  [
    'route to an address without a port',
    () => redirectingSocketFactory({ '127.0.0.1:9092': 'localhost' }),
    'routes["127.0.0.1:9092"] must map "host:port" to "host:port" (got "localhost")',
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with KafkaArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(KafkaArgumentError);
      expect(isKafkaPocError(err)).toBe(true);
      expect(isKafkaPocError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('KafkaArgumentError');
    },
  );

  it('reads malformed bytes into a reason instead of throwing', () => {
    const t: Topic<Event> = events;
    expect(t.decode(Buffer.from('{"entity":'))).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(t.decode(Buffer.from('{"entity":"a","seq":"1"}'))).toEqual({
      ok: false,
      reason: 'schema-violation',
      detail: 'seq: Invalid input: expected number, received string',
    });
    expect(t.decode(null)).toEqual({ ok: false, reason: 'empty', detail: 'the message has no value' });
    expect(t.decode(Buffer.from('{"entity":"a","seq":"1"}'), false)).toEqual({
      ok: true,
      value: { entity: 'a', seq: '1' },
    }); // unvalidated: trusted as is
  });
});
