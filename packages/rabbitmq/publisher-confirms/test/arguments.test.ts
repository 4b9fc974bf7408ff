// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PublisherConfirmsArgumentError,
  confirmPublisher,
  isPublisherConfirmsError,
  publishEach,
  publishInBatches,
  publishStreaming,
  type Publisher,
} from '../src/index.ts';
import { naivePublisher } from '../src/naive.ts';

let ns: AmqpNamespace;
let publisher: Publisher;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'publisher_confirms_args' }); // connections of its own, closed afterwards
  publisher = await confirmPublisher(() => ns.connect());
});
afterAll(async () => {
  await publisher?.close();
  await ns?.close();
});

const connect = (): never => undefined as never; // never called: every row fails its checks first
const ok = [{ routingKey: 'q', body: 'x' }];

const cases: Array<[string, () => unknown, string]> = [
  ['connect that is not a function', () => confirmPublisher({} as never), 'connect must be a function (got an object)'],
  [
    'options that are not an object',
    () => confirmPublisher(connect, 'x' as never),
    'options must be an object (got a string)',
  ],
  [
    'exchange that is not a string',
    () => confirmPublisher(connect, { exchange: 42 as never }),
    'options.exchange must be a string (got 42)',
  ],
  [
    'setup that is not a function',
    () => confirmPublisher(connect, { setup: 'q' as never }),
    'options.setup must be a function (got a string)',
  ],
  [
    'persistent that is not a boolean',
    () => confirmPublisher(connect, { persistent: 1 as never }),
    'options.persistent must be a boolean (got 1)',
  ],
  [
    'mandatory that is not a boolean',
    () => confirmPublisher(connect, { mandatory: 'yes' as never }),
    'options.mandatory must be a boolean (got "yes")',
  ],
  [
    'reconnect that is not an object',
    () => confirmPublisher(connect, { reconnect: 3 as never }),
    'options.reconnect must be an object (got a number)',
  ],
  [
    'no reconnect attempt at all',
    () => confirmPublisher(connect, { reconnect: { attempts: 0 } }),
    'options.reconnect.attempts must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'a negative reconnect delay',
    () => confirmPublisher(connect, { reconnect: { delayMs: -1 } }),
    'options.reconnect.delayMs must be an integer from 0 to 60000 (got -1)',
  ],
  [
    'a delay cap below the first delay',
    () => confirmPublisher(connect, { reconnect: { delayMs: 500, maxDelayMs: 100 } }),
    'options.reconnect.maxDelayMs must be an integer from 500 to 600000 (got 100)',
  ],
  [
    'clock that is not a Clock',
    () => confirmPublisher(connect, { clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'onEvent that is not a function',
    () => confirmPublisher(connect, { onEvent: true as never }),
    'options.onEvent must be a function (got a boolean)',
  ],
  [
    'connect that is not a function, naive version',
    () => naivePublisher(null as never),
    'connect must be a function (got null)',
  ],
  ['a message that is not an object', () => publisher.publish(null as never), 'message must be an object (got null)'],
  [
    'a routing key that is not a string',
    () => publisher.publish({ routingKey: 5 as never, body: 'x' }),
    'message.routingKey must be a string (got 5)',
  ],
  [
    'a body that is neither Buffer nor string',
    () => publisher.publish({ routingKey: 'q', body: { a: 1 } as never }),
    'message.body must be a Buffer or a string (got an object)',
  ],
  [
    'an empty message id',
    () => publisher.publish({ routingKey: 'q', body: 'x', messageId: '' }),
    'message.messageId must be a non-empty string (got "")',
  ],
  [
    'a publisher that is not one',
    () => publishEach({} as never, ok),
    'publisher must be a Publisher (what confirmPublisher() resolves with) (got an object)',
  ],
  [
    'messages that are not iterable',
    () => publishEach(publisher, 3 as never),
    'messages must be an iterable (got a number)',
  ],
  [
    'messages that are not iterable, streaming',
    () => publishStreaming(publisher, {} as never, { window: 1 }),
    'messages must be an iterable or async iterable (got an object)',
  ],
  [
    'a message in the list that is not an object',
    () => publishEach(publisher, ['x' as never]),
    'messages[0] must be an object (got a string)',
  ],
  [
    'batch size 0',
    () => publishInBatches(publisher, ok, { batchSize: 0 }),
    'options.batchSize must be an integer from 1 to 1000000 (got 0)',
  ],
  [
    'no batch size',
    () => publishInBatches(publisher, ok, {} as never),
    'options.batchSize must be an integer from 1 to 1000000 (got undefined)',
  ],
  [
    'window 0',
    () => publishStreaming(publisher, ok, { window: 0 }),
    'options.window must be an integer from 1 to 1000000 (got 0)',
  ],
  [
    'a fractional window',
    () => publishStreaming(publisher, ok, { window: 1.5 }),
    'options.window must be an integer from 1 to 1000000 (got 1.5)',
  ],
  [
    'signal that is not an AbortSignal',
    () => publishEach(publisher, ok, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
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
    expect(err).toBeInstanceOf(PublisherConfirmsArgumentError);
    expect(isPublisherConfirmsError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
