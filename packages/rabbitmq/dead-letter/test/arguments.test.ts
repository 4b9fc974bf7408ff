// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule, including the settings a queue type does not support (which the broker
// would refuse with PRECONDITION_FAILED, or accept and ignore). `as never` stands for callers without
// TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadLetterArgumentError,
  consume,
  deadLetterTopology,
  declareDeadLettering,
  isDeadLetterError,
  type DeadLetterOptions,
} from '../src/index.ts';
import { naiveConsume } from '../src/naive.ts';

let ns: AmqpNamespace;
let connection: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'dl_args' });
  connection = await ns.connect();
});
afterAll(() => ns?.close());

const base: DeadLetterOptions = { queue: 'work', parkingQueue: 'work.parked' };
const declare = (o: Partial<DeadLetterOptions>): Promise<unknown> =>
  declareDeadLettering(connection, { ...base, ...o });
const handler = (): void => {};

const cases: Array<[string, () => unknown, string]> = [
  [
    'a connection that is not a client',
    () => declareDeadLettering({} as never, base),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got an object)',
  ],
  [
    'missing options',
    () => declareDeadLettering(connection, undefined as never),
    'options must be an object { queue, parkingQueue, ... } (got undefined)',
  ],
  ['an empty queue name', () => declare({ queue: '' }), 'options.queue must be a non-empty string (got "")'],
  [
    'a reserved queue name',
    () => declare({ queue: 'amq.work' }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.work")',
  ],
  [
    'a missing parking queue',
    () => declare({ parkingQueue: undefined as never }),
    'options.parkingQueue must be a non-empty string (got undefined)',
  ],
  [
    'a parking queue that is the work queue',
    () => declare({ parkingQueue: 'work' }),
    'options.parkingQueue must differ from options.queue (got "work")',
  ],
  [
    'a dead-letter exchange over 255 bytes',
    () => declare({ deadLetterExchange: 'x'.repeat(256) }),
    `options.deadLetterExchange must be at most 255 bytes (got "${'x'.repeat(60)}…")`,
  ],
  [
    'an unknown queue type',
    () => declare({ type: 'stream' as never }),
    'options.type must be one of "classic", "quorum" (got "stream")',
  ],
  [
    'a negative TTL',
    () => declare({ messageTtlMs: -1 }),
    'options.messageTtlMs must be an integer from 0 to 4294967295 (got -1)',
  ],
  [
    'a fractional TTL',
    () => declare({ messageTtlMs: 1.5 }),
    'options.messageTtlMs must be an integer from 0 to 4294967295 (got 1.5)',
  ],
  [
    'a negative max length',
    () => declare({ maxLength: -1 }),
    'options.maxLength must be a non-negative integer (got -1)',
  ],
  [
    'an unknown overflow',
    () => declare({ maxLength: 10, overflow: 'drop-tail' as never }),
    'options.overflow must be one of "drop-head", "reject-publish", "reject-publish-dlx" (got "drop-tail")',
  ],
  [
    'an overflow without a max length',
    () => declare({ overflow: 'reject-publish-dlx' }),
    'options.overflow needs options.maxLength (a queue without a limit never overflows) (got "reject-publish-dlx")',
  ],
  [
    'reject-publish-dlx on a quorum queue',
    () => declare({ type: 'quorum', maxLength: 10, overflow: 'reject-publish-dlx' }),
    'options.overflow must be "drop-head" or "reject-publish" on a quorum queue (it does not support reject-publish-dlx) (got "reject-publish-dlx")',
  ],
  [
    'a delivery limit on a classic queue',
    () => declare({ deliveryLimit: 3 }),
    'options.deliveryLimit needs options.type "quorum" (a classic queue keeps no delivery count) (got 3)',
  ],
  [
    'a negative delivery limit',
    () => declare({ type: 'quorum', deliveryLimit: -1 }),
    'options.deliveryLimit must be a non-negative integer (got -1)',
  ],
  [
    'deadLetterTopology() checks the same',
    () => deadLetterTopology({ ...base, maxLength: 'ten' as never }),
    'options.maxLength must be a non-negative integer (got "ten")',
  ],
  [
    'consume() on something that is not a connection',
    () => consume(null as never, 'work', { prefetch: 1, handler }),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got null)',
  ],
  [
    'consume() from an empty queue name',
    () => consume(connection, '', { prefetch: 1, handler }),
    'queue must be a non-empty string (got "")',
  ],
  [
    'consume() without options',
    () => consume(connection, 'work', undefined as never),
    'options must be an object { prefetch, handler } (got undefined)',
  ],
  [
    'a prefetch of 0 (unlimited)',
    () => consume(connection, 'work', { prefetch: 0, handler }),
    'options.prefetch must be an integer from 1 to 65535 (got 0)',
  ],
  [
    'a prefetch above 65535',
    () => consume(connection, 'work', { prefetch: 70_000, handler }),
    'options.prefetch must be an integer from 1 to 65535 (got 70000)',
  ],
  [
    'a handler that is not a function',
    () => consume(connection, 'work', { prefetch: 1, handler: 'work' as never }),
    'options.handler must be a function (got a string)',
  ],
  [
    'onHandlerError that is not a function',
    () => consume(connection, 'work', { prefetch: 1, handler, onHandlerError: true as never }),
    'options.onHandlerError must be a function (got a boolean)',
  ],
  [
    'naiveConsume() checks the same',
    () => naiveConsume(connection, 'work', { prefetch: -1, handler }),
    'options.prefetch must be an integer from 1 to 65535 (got -1)',
  ],
];

describe('bad input fails before anything reaches the broker, naming the argument and the rule', () => {
  it.each(cases)('rejects %s', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeadLetterArgumentError);
    expect(isDeadLetterError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it("names the queue when the broker refuses to change an existing queue's arguments", async () => {
    const options = { queue: ns.name('redeclared'), parkingQueue: ns.name('redeclared_parked') };
    await declareDeadLettering(connection, options);
    const err = await declareDeadLettering(connection, { ...options, messageTtlMs: 1_000 }).catch((e: unknown) => e);
    expect(isDeadLetterError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^declaring classic queue "${options.queue}" failed: .*PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'`,
      ),
    );
  });
});
