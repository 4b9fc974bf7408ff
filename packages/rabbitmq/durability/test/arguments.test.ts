// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DURABLE,
  DurabilityArgumentError,
  drainQueue,
  isDurabilityError,
  openQueue,
  queueDepth,
  type DurableQueue,
} from '../src/index.ts';
import { naiveOpenQueue } from '../src/naive.ts';

let ns: AmqpNamespace;
let connection: ChannelModel;
let queue: DurableQueue;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'durability_args' }); // queue names of its own, deleted afterwards
  connection = await ns.connect();
  queue = await openQueue(connection, { name: ns.name('q') });
});
afterAll(() => ns?.close());

const cases: Array<[string, () => unknown, string]> = [
  [
    'connection that is not a client',
    () => openQueue({} as never, { name: 'q' }),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got an object)',
  ],
  ['missing options', () => openQueue(connection, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => openQueue(connection, { name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'name longer than 255 bytes',
    () => openQueue(connection, { name: 'é'.repeat(128) }),
    `options.name must be at most 255 bytes (got "${'é'.repeat(60)}…")`,
  ],
  [
    'name reserved by the broker',
    () => openQueue(connection, { name: 'amq.jobs' }),
    'options.name must not start with "amq." (reserved by the broker) (got "amq.jobs")',
  ],
  [
    'durability that is not an object',
    () => openQueue(connection, { name: 'q', durability: 'durable' as never }),
    'options.durability must be a Durability { durableQueue, persistentMessages, confirms } of booleans (got a string)',
  ],
  [
    'durability with a setting that is not a boolean',
    () => openQueue(connection, { name: 'q', durability: { ...DURABLE, confirms: 'yes' as never } }),
    'options.durability must be a Durability { durableQueue, persistentMessages, confirms } of booleans (got an object)',
  ],
  [
    'mode that is not a classic queue mode',
    () => openQueue(connection, { name: 'q', mode: 'fast' as never }),
    'options.mode must be one of "default", "lazy" (got "fast")',
  ],
  [
    'window 0',
    () => openQueue(connection, { name: 'q', window: 0 }),
    'options.window must be an integer from 1 to 65535 (got 0)',
  ],
  [
    'queue arguments that are not an object',
    () => openQueue(connection, { name: 'q', arguments: 'x-max-length=3' as never }),
    'options.arguments must be an object of queue arguments (got a string)',
  ],
  [
    'messages that are not an array',
    () => queue.publish('m' as never),
    'messages must be an array of { id, body } (got a string)',
  ],
  [
    'a message that is null',
    () => queue.publish([null as never]),
    'messages[0] must be an object { id, body } (got null)',
  ],
  [
    'a message without an id',
    () => queue.publish([{ id: '', body: 'x' }]),
    'messages[0].id must be a non-empty string (got "")',
  ],
  [
    'a body that is neither Buffer nor string',
    () =>
      queue.publish([
        { id: 'a', body: 'x' },
        { id: 'b', body: 5 as never },
      ]),
    'messages[1].body must be a Buffer or a string (got a number)',
  ],
  [
    'signal that is not an AbortSignal',
    () => queue.publish([], { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'queueDepth without a client',
    () => queueDepth(null as never, 'q'),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got null)',
  ],
  ['queueDepth of an empty name', () => queueDepth(connection, ''), 'queue must be a non-empty string (got "")'],
  [
    'drainQueue of a reserved name',
    () => drainQueue(connection, 'amq.rabbitmq.reply-to'),
    'queue must not start with "amq." (reserved by the broker) (got "amq.rabbitmq.reply-to")',
  ],
  [
    'empty name, naive version',
    () => naiveOpenQueue(connection, { name: '' }),
    'options.name must be a non-empty string (got "")',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DurabilityArgumentError);
    expect(isDurabilityError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
