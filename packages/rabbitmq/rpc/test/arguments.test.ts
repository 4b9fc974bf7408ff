// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcArgumentError, isRpcError, rpcClient, rpcServer, type RpcClient } from '../src/index.ts';
import { inOrderClient, queuePerCallClient } from '../src/naive.ts';

let connection: ChannelModel;
let client: RpcClient;
let amqpNs: AmqpNamespace;
beforeAll(async () => {
  amqpNs = await amqpNamespace({ name: 'rpc_args' });
  connection = await amqpNs.connect();
  client = await rpcClient(connection, { queue: amqpNs.name('args') });
});
afterAll(async () => {
  await client?.close();
  await amqpNs?.close();
});

const handler = (): number => 1;
const circular: Record<string, unknown> = {};
circular.self = circular;

const cases: Array<[string, () => unknown, string]> = [
  [
    'connection that is not a client',
    () => rpcClient({} as never, { queue: 'q' }),
    'connection must be an amqplib connection (what amqplib.connect() resolves with) (got an object)',
  ],
  ['missing options', () => rpcClient(connection, undefined as never), 'options must be an object (got undefined)'],
  ['empty queue', () => rpcClient(connection, { queue: '' }), 'options.queue must be a non-empty string (got "")'],
  [
    'queue that is not a string',
    () => rpcClient(connection, { queue: 42 as never }),
    'options.queue must be a non-empty string (got 42)',
  ],
  [
    'reserved queue name',
    () => rpcClient(connection, { queue: 'amq.rabbitmq.reply-to' }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.rabbitmq.reply-to")',
  ],
  [
    'zero timeout',
    () => rpcClient(connection, { queue: 'q', timeoutMs: 0 }),
    'options.timeoutMs must be a positive integer (got 0)',
  ],
  [
    'negative retries',
    () => rpcClient(connection, { queue: 'q', retries: -1 }),
    'options.retries must be an integer from 0 to 100 (got -1)',
  ],
  [
    'clock that is not a Clock',
    () => rpcClient(connection, { queue: 'q', clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['payload undefined', () => client.call(undefined), 'payload must be JSON-serialisable (got undefined)'],
  [
    'circular payload',
    () => client.call(circular),
    'payload must be JSON-serialisable: Converting circular structure to JSON (got an object)',
  ],
  ['call options not an object', () => client.call(1, 'fast' as never), 'options must be an object (got a string)'],
  [
    'signal that is not an AbortSignal',
    () => client.call(1, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'fractional call timeout',
    () => client.call(1, { timeoutMs: 1.5 }),
    'options.timeoutMs must be a positive integer (got 1.5)',
  ],
  [
    'empty request id',
    () => client.call(1, { requestId: '' }),
    'options.requestId must be a non-empty string (got "")',
  ],
  [
    'server without a handler',
    () => rpcServer(connection, { queue: 'q', handler: undefined as never }),
    'options.handler must be a function (got undefined)',
  ],
  [
    'server prefetch 0',
    () => rpcServer(connection, { queue: 'q', handler, prefetch: 0 }),
    'options.prefetch must be an integer from 1 to 65535 (got 0)',
  ],
  [
    'server on a reserved queue',
    () => rpcServer(connection, { queue: 'amq.q', handler }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.q")',
  ],
  [
    'empty queue, queue-per-call client',
    () => queuePerCallClient(connection, { queue: '' }),
    'options.queue must be a non-empty string (got "")',
  ],
  [
    'zero timeout, in-order client',
    () => inOrderClient(connection, { queue: 'q', timeoutMs: 0 }),
    'options.timeoutMs must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(RpcArgumentError);
    expect(isRpcError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
