import { privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  PubSubArgumentError,
  PubSubServiceError,
  feedWriter,
  isPubSubError,
  openFeedReader,
  publisher,
  subscribe,
  type SubscribeOptions,
} from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'pubsubargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const handler = (): void => {};
const base: SubscribeOptions<unknown> = { namespace: 'n', topics: ['t'], handler };
const sub = (patch: Record<string, unknown>) => subscribe(redis, { ...base, ...patch } as SubscribeOptions<unknown>);
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'not an ioredis client',
    () => publisher({} as Redis, { namespace: 'n' }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'missing publisher options',
    () => publisher(redis, undefined as unknown as { namespace: string }),
    'options must be an object with a namespace (got undefined)',
  ],
  [
    'namespace with a space',
    () => publisher(redis, { namespace: 'my app' }),
    'namespace must be 1-200 characters of A-Z a-z 0-9 _ . : - (got "my app")',
  ],
  [
    'empty topic',
    () => publisher(redis, { namespace: 'n' }).publish('', 'x'),
    'topic must be 1-200 characters of A-Z a-z 0-9 _ . : - (got "")',
  ],
  [
    'pattern characters in a topic',
    () => publisher(redis, { namespace: 'n' }).publish('user:*', 'x'),
    'topic must be 1-200 characters of A-Z a-z 0-9 _ . : - (got "user:*")',
  ],
  [
    'undefined payload',
    () => publisher(redis, { namespace: 'n' }).publish('t', undefined),
    'data must be JSON-serialisable (not undefined or a function) (got undefined)',
  ],
  [
    'function payload',
    () => publisher<unknown>(redis, { namespace: 'n' }).publish('t', () => 1),
    'data must be JSON-serialisable (not undefined or a function) (got a function)',
  ],
  [
    'cyclic payload',
    () => publisher<unknown>(redis, { namespace: 'n' }).publish('t', cyclic),
    'data must be JSON-serialisable (Converting circular structure to JSON)',
  ],
  [
    'missing subscribe options',
    () => subscribe(redis, undefined as unknown as SubscribeOptions<unknown>),
    'options must be an object with namespace, topics and handler (got undefined)',
  ],
  ['no topics', () => sub({ topics: [] }), 'topics must be a non-empty array of topic names (got an array)'],
  [
    'a bad topic among good ones',
    () => sub({ topics: ['ok', 'not ok'] }),
    'topics[1] must be 1-200 characters of A-Z a-z 0-9 _ . : - (got "not ok")',
  ],
  [
    'handler that is not a function',
    () => sub({ handler: 'h' }),
    'handler must be a function (notification) => void (got a string)',
  ],
  ['onGap that is not a function', () => sub({ onGap: true }), 'onGap must be a function (got a boolean)'],
  ['signal that is not an AbortSignal', () => sub({ signal: 'stop' }), 'signal must be an AbortSignal (got a string)'],
  [
    'connection name with a space',
    () => sub({ connectionName: 'my sub' }),
    'connectionName must not contain spaces (got "my sub")',
  ],
  [
    'zero maxLen for a feed',
    () => feedWriter(redis, { stream: 'f', maxLen: 0 }),
    'maxLen must be a positive integer (got 0)',
  ],
  [
    'a feed position that is no stream id',
    () => openFeedReader(redis, { stream: 'f', from: 'yesterday' }),
    `from must be '$', '0' or a stream id like 1700000000000-0 (got "yesterday")`,
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with PubSubArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(PubSubArgumentError);
      expect(isPubSubError(err)).toBe(true);
      expect(isPubSubError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('PubSubArgumentError');
    },
  );

  it('rejects a zero count on a feed read', async () => {
    const reader = await openFeedReader(redis, { stream: 'f' });
    onTestFinished(() => reader.close());
    await expect(reader.read({ count: 0 })).rejects.toThrow(
      new PubSubArgumentError('count must be a positive integer (got 0)'),
    );
  });
});

describe('Redis down (private server)', () => {
  it('rejects publish() and subscribe() with PubSubServiceError instead of hanging', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const client = redisClient(server.url);
    client.on('error', () => {});
    onTestFinished(() => void client.disconnect());
    await server.stop();

    const published = await publisher<string>(client, { namespace: 'n' })
      .publish('news', 'x')
      .catch((e: unknown) => e);
    expect(published).toBeInstanceOf(PubSubServiceError);
    expect(isPubSubError(published, 'service')).toBe(true);
    expect((published as Error).message).toMatch(/^PUBLISH to "n:news" failed: /);

    const subscribed = await subscribe<string>(client, { namespace: 'n', topics: ['news'], handler }).catch(
      (e: unknown) => e,
    );
    expect(subscribed).toBeInstanceOf(PubSubServiceError);
    expect((subscribed as Error).message).toMatch(/^SUBSCRIBE to news failed: /);
  });
});
