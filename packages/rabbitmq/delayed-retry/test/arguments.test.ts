// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DelayedRetryArgumentError,
  assertRetryQueues,
  delayedRetryConsumer,
  isDelayedRetryError,
  publishWork,
  type DelayedRetryOptions,
} from '../src/index.ts';
import { immediateRequeueConsumer, singleWaitQueue } from '../src/naive.ts';

let connection: ChannelModel;
let amqpNs: AmqpNamespace;
beforeAll(async () => {
  amqpNs = await amqpNamespace({ name: 'dretry_args' });
  connection = await amqpNs.connect();
});
afterAll(() => amqpNs?.close());

const handler = (): void => {};
const c = (options: Partial<DelayedRetryOptions<unknown>>): Promise<unknown> =>
  delayedRetryConsumer(connection, {
    queue: 'q',
    delaysMs: [100],
    handler,
    ...options,
  } as DelayedRetryOptions<unknown>);

const cases: Array<[string, () => unknown, string]> = [
  [
    'connection that is not a client',
    () => delayedRetryConsumer({} as never, { queue: 'q', delaysMs: [1], handler }),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got an object)',
  ],
  [
    'missing options',
    () => delayedRetryConsumer(connection, undefined as never),
    'options must be an object (got undefined)',
  ],
  ['empty queue', () => c({ queue: '' }), 'options.queue must be a non-empty string (got "")'],
  [
    'reserved queue',
    () => c({ queue: 'amq.work' }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.work")',
  ],
  ['no delays', () => c({ delaysMs: [] }), 'options.delaysMs must be a non-empty array (got an array)'],
  ['delays not an array', () => c({ delaysMs: 100 as never }), 'options.delaysMs must be a non-empty array (got 100)'],
  ['zero delay', () => c({ delaysMs: [100, 0] }), 'options.delaysMs[1] must be a positive integer (got 0)'],
  ['fractional delay', () => c({ delaysMs: [1.5] }), 'options.delaysMs[0] must be a positive integer (got 1.5)'],
  ['zero maxAttempts', () => c({ maxAttempts: 0 }), 'options.maxAttempts must be an integer from 1 to 1000 (got 0)'],
  ['handler not a function', () => c({ handler: 'x' as never }), 'options.handler must be a function (got a string)'],
  ['prefetch 0', () => c({ prefetch: 0 }), 'options.prefetch must be an integer from 1 to 65535 (got 0)'],
  ['clock that is not a Clock', () => c({ clock: {} as never }), 'options.clock must be a Clock (got an object)'],
  [
    'assertRetryQueues with no delays',
    () => assertRetryQueues(connection, 'q', []),
    'options.delaysMs must be a non-empty array (got an array)',
  ],
  ['publishWork to an empty queue', () => publishWork(connection, '', {}), 'queue must be a non-empty string (got "")'],
  [
    'immediate requeue with no handler',
    () => immediateRequeueConsumer(connection, { queue: 'q', delaysMs: [1], handler: undefined as never }),
    'options.handler must be a function (got undefined)',
  ],
  [
    'single wait queue with no name',
    () => singleWaitQueue(connection, '', 'q'),
    'waitQueue must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(DelayedRetryArgumentError);
    expect(isDelayedRetryError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
