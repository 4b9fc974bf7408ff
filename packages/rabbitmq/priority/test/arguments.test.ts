// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriorityArgumentError, isPriorityError, priorityQueue, type PriorityQueue } from '../src/index.ts';
import { naivePriorityQueue } from '../src/naive.ts';

let connection: ChannelModel;
let q: PriorityQueue;
let amqpNs: AmqpNamespace;
beforeAll(async () => {
  amqpNs = await amqpNamespace({ name: 'priority_args' }); // queue names of its own
  connection = await amqpNs.connect();
  q = await priorityQueue(connection, { queue: amqpNs.name('args'), maxPriority: 5 });
});
afterAll(async () => {
  await q?.close();
  await amqpNs?.close();
});

const cases: Array<[string, () => unknown, string]> = [
  [
    'connection that is not a client',
    () => priorityQueue({} as never, { queue: 'x', maxPriority: 5 }),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got an object)',
  ],
  ['missing options', () => priorityQueue(connection, undefined as never), 'options must be an object (got undefined)'],
  [
    'empty queue name',
    () => priorityQueue(connection, { queue: '', maxPriority: 5 }),
    'options.queue must be a non-empty string (got "")',
  ],
  [
    'reserved queue name',
    () => priorityQueue(connection, { queue: 'amq.jobs', maxPriority: 5 }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.jobs")',
  ],
  [
    'maxPriority 0',
    () => priorityQueue(connection, { queue: 'x', maxPriority: 0 }),
    'options.maxPriority must be an integer from 1 to 255 (got 0)',
  ],
  [
    'maxPriority above 255',
    () => priorityQueue(connection, { queue: 'x', maxPriority: 256 }),
    'options.maxPriority must be an integer from 1 to 255 (got 256)',
  ],
  [
    'fractional maxPriority',
    () => priorityQueue(connection, { queue: 'x', maxPriority: 2.5 }),
    'options.maxPriority must be an integer from 1 to 255 (got 2.5)',
  ],
  ['messages that are not an array', () => q.publish('m' as never), 'messages must be an array (got a string)'],
  [
    'a message that is not an object',
    () => q.publish([null as never]),
    'messages[0] must be an object with a payload (got null)',
  ],
  [
    'a negative priority',
    () => q.publish([{ payload: 1 }, { payload: 2, priority: -1 }]),
    'messages[1].priority must be an integer from 0 to 255 (got -1)',
  ],
  [
    'a priority above 255 (the AMQP field is one octet)',
    () => q.publish([{ payload: 1, priority: 300 }]),
    'messages[0].priority must be an integer from 0 to 255 (got 300)',
  ],
  [
    'an empty messageId',
    () => q.publish([{ payload: 1, messageId: '' }]),
    'messages[0].messageId must be a non-empty string (got "")',
  ],
  [
    'a payload JSON cannot encode',
    () => q.publish([{ payload: undefined }]),
    'messages[0].payload must be JSON-serialisable (got undefined)',
  ],
  ['consumer without a handler', () => q.consume({} as never), 'options.handler must be a function (got undefined)'],
  [
    'negative prefetch',
    () => q.consume({ handler: () => {}, prefetch: -1 }),
    'options.prefetch must be an integer from 0 to 65535 (got -1)',
  ],
  [
    'unknown failure policy',
    () => q.consume({ handler: () => {}, onFailure: 'retry' as never }),
    'options.onFailure must be one of "reject", "requeue" (got "retry")',
  ],
  [
    'maxPriority 0, naive version',
    () => naivePriorityQueue(connection, { queue: 'x', maxPriority: 0 }),
    'options.maxPriority must be an integer from 1 to 255 (got 0)',
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
    expect(err).toBeInstanceOf(PriorityArgumentError);
    expect(isPriorityError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
