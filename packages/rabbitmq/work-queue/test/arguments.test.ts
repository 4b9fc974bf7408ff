import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WorkQueueArgumentError,
  isWorkQueueError,
  publisher,
  worker,
  type Publisher,
  type WorkerOptions,
} from '../src/index.ts';
import type { Job } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
let pub: Publisher<Job>;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'wqargs' });
  conn = await ns.connect();
  pub = await publisher<Job>(conn, ns.name('args'));
});
afterAll(async () => {
  await pub?.close();
  await ns?.close();
});

const handler = (): void => {};
const w = (options: Partial<WorkerOptions<Job>>): Promise<unknown> =>
  worker<Job>(conn, 'q', { prefetch: 1, handler, ...options } as WorkerOptions<Job>);
const circular: Record<string, unknown> = {};
circular.self = circular;

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'not a connection (publisher)',
    () => publisher({} as ChannelModel, 'q'),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got an object)',
  ],
  [
    'not a connection (worker)',
    () => worker(null as unknown as ChannelModel, 'q', { prefetch: 1, handler }),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got null)',
  ],
  ['empty queue name', () => publisher(conn, ''), 'queue must be a non-empty string (got "")'],
  [
    'queue name that is not a string',
    () => publisher(conn, 42 as unknown as string),
    'queue must be a non-empty string (got 42)',
  ],
  [
    'queue name over 255 bytes',
    () => publisher(conn, 'q'.repeat(256)),
    `queue must be at most 255 bytes (got "${'q'.repeat(60)}…")`,
  ],
  [
    'reserved queue name',
    () => worker(conn, 'amq.jobs', { prefetch: 1, handler }),
    'queue must not start with "amq." (reserved by the broker) (got "amq.jobs")',
  ],
  [
    'persistent not a boolean',
    () => publisher(conn, 'q', { persistent: 'yes' as unknown as boolean }),
    'persistent must be a boolean (got "yes")',
  ],
  [
    'confirms not a boolean',
    () => publisher(conn, 'q', { confirms: 1 as unknown as boolean }),
    'confirms must be a boolean (got 1)',
  ],
  [
    'durable not a boolean',
    () => publisher(conn, 'q', { durable: 'true' as unknown as boolean }),
    'durable must be a boolean (got "true")',
  ],
  [
    'queue arguments not an object',
    () => publisher(conn, 'q', { arguments: 'x-max-length=1' as unknown as Record<string, unknown> }),
    'arguments must be an object of queue arguments (got a string)',
  ],
  [
    'publisher options not an object',
    () => publisher(conn, 'q', 'fast' as unknown as object),
    'options must be an object (got a string)',
  ],
  ['negative prefetch', () => w({ prefetch: -1 }), 'prefetch must be an integer from 0 to 65535 (got -1)'],
  ['fractional prefetch', () => w({ prefetch: 2.5 }), 'prefetch must be an integer from 0 to 65535 (got 2.5)'],
  ['prefetch above 65535', () => w({ prefetch: 70_000 }), 'prefetch must be an integer from 0 to 65535 (got 70000)'],
  ['missing prefetch', () => w({ prefetch: undefined }), 'prefetch must be an integer from 0 to 65535 (got undefined)'],
  ['zero concurrency', () => w({ concurrency: 0 }), 'concurrency must be an integer from 1 to 65535 (got 0)'],
  [
    'concurrency above prefetch',
    () => w({ prefetch: 2, concurrency: 3 }),
    'concurrency must be at most prefetch (2): the broker never hands over more unacked messages than that (got 3)',
  ],
  [
    'handler not a function',
    () => w({ handler: 'work' as unknown as () => void }),
    'handler must be a function (payload, delivery) => Promise<void> (got a string)',
  ],
  [
    'unknown failure policy',
    () => w({ onFailure: 'retry' as unknown as 'reject' }),
    'onFailure must be one of "requeue-once", "requeue", "reject" (got "retry")',
  ],
  [
    'onHandlerError not a function',
    () => w({ onHandlerError: true as unknown as () => void }),
    'onHandlerError must be a function (got a boolean)',
  ],
  [
    'missing worker options',
    () => worker(conn, 'q', undefined as unknown as WorkerOptions<Job>),
    'options must be an object with at least prefetch and handler (got undefined)',
  ],
  [
    'payload undefined',
    () => pub.publish(undefined as unknown as Job),
    'payload must be JSON-serialisable (got undefined)',
  ],
  [
    'payload a function',
    () => pub.publish((() => 1) as unknown as Job),
    'payload must be JSON-serialisable (got a function)',
  ],
  [
    'circular payload',
    () => pub.publish(circular as unknown as Job),
    'payload must be JSON-serialisable: Converting circular structure to JSON (got an object)',
  ],
  ['empty messageId', () => pub.publish({ n: 1 }, { messageId: '' }), 'messageId must be a non-empty string (got "")'],
  [
    'publishAll with a non-array',
    () => pub.publishAll({ n: 1 } as unknown as Job[]),
    'payloads must be an array (got an object)',
  ],
  [
    'publishAll with one bad payload',
    () => pub.publishAll([{ n: 1 }, undefined as unknown as Job]),
    'payloads[1] must be JSON-serialisable (got undefined)',
  ],
];

describe('bad input fails before anything reaches the broker, naming the argument and the rule', () => {
  it.each(cases)('%s', async (_label, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkQueueArgumentError);
    expect(isWorkQueueError(err, 'argument')).toBe(true);
    expect((err as WorkQueueArgumentError).code).toBe('argument');
    expect((err as Error).message).toBe(message);
  });

  it('sends nothing from a publishAll whose batch holds a bad payload', async () => {
    const queue = ns.name('bad_batch');
    const p = await publisher<Job>(conn, queue);
    await expect(p.publishAll([{ n: 1 }, { n: 2 }, undefined as unknown as Job])).rejects.toThrow(
      WorkQueueArgumentError,
    );
    await p.close();
    const ch = await conn.createChannel();
    expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    await ch.close();
  });
});
