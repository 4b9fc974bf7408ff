// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule, thrown before any connection is opened (the URL below has no broker).
// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
import { describe, expect, it } from 'vitest';
import {
  QuorumQueuesArgumentError,
  failoverConsumer,
  failoverPublisher,
  isQuorumQueuesError,
  type ConsumerOptions,
  type PublisherOptions,
} from '../src/index.ts';
import { naivePublisher } from '../src/naive.ts';
import type { Job } from './helpers.ts';

const urls = ['amqp://guest:guest@127.0.0.1:1'];
const base: PublisherOptions = { urls, queue: 'jobs' };
const pub = (o: Partial<PublisherOptions> | unknown): unknown =>
  failoverPublisher<Job>({ ...base, ...(o as object) } as PublisherOptions);
const sub = (o: Partial<ConsumerOptions<Job>>): Promise<unknown> =>
  failoverConsumer<Job>({ ...base, handler: () => {}, ...o } as ConsumerOptions<Job>);
const publisher = failoverPublisher<Job>(base);
const circular: Record<string, unknown> = {};
circular.self = circular;

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => failoverPublisher(undefined as never), 'options must be an object (got undefined)'],
  ['no urls', () => pub({ urls: [] }), 'options.urls must be a non-empty array of AMQP URLs (got an array)'],
  [
    'urls as one string',
    () => pub({ urls: urls[0] }),
    'options.urls must be a non-empty array of AMQP URLs (got a string)',
  ],
  [
    'a URL of another scheme',
    () => pub({ urls: [urls[0], 'http://127.0.0.1:15672'] }),
    'options.urls[1] must be an amqp:// or amqps:// URL (got "http://127.0.0.1:15672")',
  ],
  [
    'a URL that is not a string',
    () => pub({ urls: [5672] }),
    'options.urls[0] must be an amqp:// or amqps:// URL (got 5672)',
  ],
  ['empty queue name', () => pub({ queue: '' }), 'options.queue must be a non-empty string (got "")'],
  [
    'queue name over 255 bytes',
    () => pub({ queue: 'q'.repeat(256) }),
    `options.queue must be at most 255 bytes (got "${'q'.repeat(60)}…")`,
  ],
  [
    'reserved queue name',
    () => pub({ queue: 'amq.jobs' }),
    'options.queue must not start with "amq." (reserved by the broker) (got "amq.jobs")',
  ],
  [
    'unknown queue type',
    () => pub({ type: 'stream' }),
    'options.type must be one of "quorum", "classic" (got "stream")',
  ],
  [
    'queue arguments not an object',
    () => pub({ arguments: 'x-max-length=1' }),
    'options.arguments must be an object of queue arguments (got a string)',
  ],
  [
    'x-queue-type among the arguments',
    () => pub({ arguments: { 'x-queue-type': 'classic' } }),
    'options.arguments must not set x-queue-type (use the type option) (got "classic")',
  ],
  ['connect not a function', () => pub({ connect: 'amqp' }), 'options.connect must be a function (got a string)'],
  ['clock that is not a Clock', () => pub({ clock: {} }), 'options.clock must be a Clock (got an object)'],
  [
    'negative retryDelayMs',
    () => pub({ retryDelayMs: -1 }),
    'options.retryDelayMs must be an integer from 0 to 60000 (got -1)',
  ],
  ['zero timeoutMs', () => pub({ timeoutMs: 0 }), 'options.timeoutMs must be an integer from 1 to 3600000 (got 0)'],
  [
    'fractional timeoutMs',
    () => pub({ timeoutMs: 1.5 }),
    'options.timeoutMs must be an integer from 1 to 3600000 (got 1.5)',
  ],
  [
    'payload undefined',
    () => publisher.publish(undefined as never),
    'payload must be JSON-serialisable (got undefined)',
  ],
  [
    'circular payload',
    () => publisher.publish(circular as never),
    'payload must be JSON-serialisable: Converting circular structure to JSON (got an object)',
  ],
  [
    'publish options not an object',
    () => publisher.publish({ n: 1 }, 'fast' as never),
    'options must be an object (got a string)',
  ],
  [
    'empty messageId',
    () => publisher.publish({ n: 1 }, { messageId: '' }),
    'options.messageId must be a non-empty string (got "")',
  ],
  [
    'signal that is not an AbortSignal',
    () => publisher.publish({ n: 1 }, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['consumer prefetch 0', () => sub({ prefetch: 0 }), 'options.prefetch must be an integer from 1 to 65535 (got 0)'],
  [
    'consumer without a handler',
    () => sub({ handler: undefined }),
    'options.handler must be a function (payload, delivery) => void (got undefined)',
  ],
  [
    'consumer dedupeWindow 0',
    () => sub({ dedupeWindow: 0 }),
    'options.dedupeWindow must be an integer from 1 to 10000000 (got 0)',
  ],
  [
    'consumer negative giveUpAfterMs',
    () => sub({ giveUpAfterMs: -5 }),
    'options.giveUpAfterMs must be an integer from 0 to 3600000 (got -5)',
  ],
  [
    'consumer with no urls',
    () => sub({ urls: [] }),
    'options.urls must be a non-empty array of AMQP URLs (got an array)',
  ],
  [
    'naive publisher with a bad queue type',
    () => naivePublisher({ ...base, type: 'lazy' as never }),
    'options.type must be one of "quorum", "classic" (got "lazy")',
  ],
];

describe('bad input fails before anything is sent, naming the argument and the rule', () => {
  it.each(cases)('%s', async (_label, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(QuorumQueuesArgumentError);
    expect(isQuorumQueuesError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
