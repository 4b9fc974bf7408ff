// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrefetchTuningArgumentError,
  isPrefetchTuningError,
  measureDrain,
  recommendPrefetch,
  tunedConsumer,
} from '../src/index.ts';
import { naiveConsumer } from '../src/naive.ts';

let connection: ChannelModel;
let amqpNs: AmqpNamespace;
beforeAll(async () => {
  amqpNs = await amqpNamespace({ name: 'prefetch_args' }); // queue names of its own
  connection = await amqpNs.connect();
});
afterAll(() => amqpNs?.close());

const handler = (): void => {};

const cases: Array<[string, () => unknown, string]> = [
  [
    'connection that is not a client',
    () => tunedConsumer({} as never, 'q', { prefetch: 1, handler }),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got an object)',
  ],
  [
    'empty queue name',
    () => tunedConsumer(connection, '', { prefetch: 1, handler }),
    'queue must be a non-empty string (got "")',
  ],
  [
    'reserved queue name',
    () => tunedConsumer(connection, 'amq.q', { prefetch: 1, handler }),
    'queue must not start with "amq." (reserved by the broker) (got "amq.q")',
  ],
  [
    'missing options',
    () => tunedConsumer(connection, 'q', undefined as never),
    'options must be an object (got undefined)',
  ],
  [
    'missing handler',
    () => tunedConsumer(connection, 'q', { prefetch: 1 } as never),
    'options.handler must be a function (got undefined)',
  ],
  [
    'missing prefetch',
    () => tunedConsumer(connection, 'q', { handler } as never),
    'options.prefetch must be an integer from 0 to 65535 (got undefined)',
  ],
  [
    'negative prefetch',
    () => tunedConsumer(connection, 'q', { prefetch: -1, handler }),
    'options.prefetch must be an integer from 0 to 65535 (got -1)',
  ],
  [
    'prefetch above the AMQP short',
    () => tunedConsumer(connection, 'q', { prefetch: 65536, handler }),
    'options.prefetch must be an integer from 0 to 65535 (got 65536)',
  ],
  [
    'concurrency 0',
    () => tunedConsumer(connection, 'q', { prefetch: 1, concurrency: 0, handler }),
    'options.concurrency must be an integer from 1 to 65535 (got 0)',
  ],
  [
    'concurrency above the prefetch',
    () => tunedConsumer(connection, 'q', { prefetch: 2, concurrency: 5, handler }),
    'options.concurrency must be at most options.prefetch (2): handlers beyond it never get a message (got 5)',
  ],
  [
    'unknown failure policy',
    () => tunedConsumer(connection, 'q', { prefetch: 1, handler, onFailure: 'retry' as never }),
    'options.onFailure must be one of "reject", "requeue" (got "retry")',
  ],
  [
    'missing handler, naive version',
    () => naiveConsumer(connection, 'q', {} as never),
    'options.handler must be a function (got undefined)',
  ],
  [
    'no connections to measure on',
    () => measureDrain([], { queue: 'q', payloads: [1], prefetch: 1, handler }),
    'connections must hold at least one connection (got an array)',
  ],
  [
    'a connection in the list that is not one',
    () => measureDrain([connection, 42 as never], { queue: 'q', payloads: [1], prefetch: 1, handler }),
    'connections[1] must be an amqplib connection (what amqplib.connect() resolves with) (got a number)',
  ],
  [
    'nothing to drain',
    () => measureDrain([connection], { queue: 'q', payloads: [], prefetch: 1, handler }),
    'options.payloads must hold at least one payload (got an array)',
  ],
  [
    'zero consumers',
    () => measureDrain([connection], { queue: 'q', payloads: [1], prefetch: 1, consumers: 0, handler }),
    'options.consumers must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'a curve that is not an array',
    () => recommendPrefetch({} as never),
    'curve must be an array of points (got an object)',
  ],
  ['an empty curve', () => recommendPrefetch([]), 'curve must hold at least one point (got an array)'],
  [
    'a curve point without throughput',
    () => recommendPrefetch([{ prefetch: 1, msgPerSec: 0 }]),
    'curve[0].msgPerSec must be a finite number > 0 (got 0)',
  ],
  [
    'a curve point with a bad prefetch',
    () => recommendPrefetch([{ prefetch: 1.5, msgPerSec: 10 }]),
    'curve[0].prefetch must be an integer from 0 to 65535 (got 1.5)',
  ],
  [
    'a tolerance above 1',
    () => recommendPrefetch([{ prefetch: 1, msgPerSec: 10 }], { within: 1.5 }),
    'options.within must be a number from 0.01 to 1 (got 1.5)',
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
    expect(err).toBeInstanceOf(PrefetchTuningArgumentError);
    expect(isPrefetchTuningError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
