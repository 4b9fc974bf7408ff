// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule, and nothing reaches the broker. `as never` stands for callers without
// TypeScript (or with `any`).
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExchangesArgumentError,
  declareTopology,
  headersMatch,
  isExchangesError,
  publisher,
  route,
  topicMatches,
  type Publisher,
  type Topology,
} from '../src/index.ts';
import { naivePublisher, naiveTopicMatches } from '../src/naive.ts';

let ns: AmqpNamespace;
let connection: ChannelModel;
let pub: Publisher;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'ex_args' });
  connection = await ns.connect();
  pub = await publisher(connection);
});
afterAll(async () => {
  await pub?.close();
  await ns?.close();
});

const good: Topology = {
  exchanges: { events: { type: 'topic' }, audit: { type: 'fanout' }, tags: { type: 'headers' } },
  queues: { q: {} },
  bindings: [{ exchange: 'events', queue: 'q', key: 'a.#' }],
};
/** `good` with one part replaced. */
const topo = (part: Partial<Record<keyof Topology, unknown>>): Topology => ({ ...good, ...part }) as Topology;
const bind = (binding: Record<string, unknown>): Topology => topo({ bindings: [binding] });
const declare = (t: Topology): Promise<void> => declareTopology(connection, t);
const long = 'k'.repeat(256);

const cases: Array<[string, () => unknown, string]> = [
  [
    'a connection that is not a client',
    () => declareTopology({} as never, good),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got an object)',
  ],
  [
    'a topology that is not an object',
    () => declare(null as never),
    'topology must be an object { exchanges, queues, bindings } (got null)',
  ],
  [
    'exchanges that are not an object',
    () => declare(topo({ exchanges: [] })),
    'topology.exchanges must be an object of exchange declarations (got an array)',
  ],
  [
    'bindings that are not an array',
    () => declare(topo({ bindings: {} })),
    'topology.bindings must be an array of bindings (got an object)',
  ],
  [
    'a reserved exchange name',
    () => declare(topo({ exchanges: { 'amq.mine': { type: 'topic' } }, bindings: [] })),
    'topology.exchanges["amq.mine"] (its name) must not start with "amq." (reserved by the broker) (got "amq.mine")',
  ],
  [
    'an unknown exchange type',
    () => declare(topo({ exchanges: { events: { type: 'x-delayed-message' } }, bindings: [] })),
    'topology.exchanges["events"].type must be one of "direct", "fanout", "topic", "headers" (got "x-delayed-message")',
  ],
  [
    'an alternate exchange outside the topology',
    () => declare(topo({ exchanges: { events: { type: 'topic', alternateExchange: 'nowhere' } }, bindings: [] })),
    'topology.exchanges["events"].alternateExchange must name an exchange of the topology (got "nowhere")',
  ],
  [
    'a queue name over 255 bytes',
    () => declare(topo({ queues: { [long]: {} }, bindings: [] })),
    `topology.queues["${long}"] (its name) must be at most 255 bytes (got "${'k'.repeat(60)}…")`,
  ],
  [
    'a binding on an exchange outside the topology',
    () => declare(bind({ exchange: 'orders', queue: 'q', key: 'a' })),
    'topology.bindings[0].exchange must name an exchange of the topology (got "orders")',
  ],
  [
    'a binding to a queue outside the topology',
    () => declare(bind({ exchange: 'events', queue: 'other', key: 'a' })),
    'topology.bindings[0].queue must name a queue of the topology (got "other")',
  ],
  [
    'a binding key over 255 bytes',
    () => declare(bind({ exchange: 'events', queue: 'q', key: long })),
    `topology.bindings[0].key must be at most 255 bytes (an AMQP short string) (got "${'k'.repeat(60)}…")`,
  ],
  [
    'a binding key on a fanout exchange',
    () => declare(bind({ exchange: 'audit', queue: 'q', key: 'a' })),
    'topology.bindings[0].key must be left out: a fanout exchange ignores routing keys (got "a")',
  ],
  [
    'header values on a topic exchange',
    () => declare(bind({ exchange: 'events', queue: 'q', match: { headers: { a: 1 } } })),
    'topology.bindings[0].match must be left out: a topic exchange routes by key (got an object)',
  ],
  [
    'a headers binding without match',
    () => declare(bind({ exchange: 'tags', queue: 'q' })),
    'topology.bindings[0].match must be an object { xMatch?, headers } (got undefined)',
  ],
  [
    'an unknown x-match mode',
    () => declare(bind({ exchange: 'tags', queue: 'q', match: { xMatch: 'most', headers: { a: 1 } } })),
    'topology.bindings[0].match.xMatch must be one of "all", "any", "all-with-x", "any-with-x" (got "most")',
  ],
  [
    'an "x-" header the broker would ignore under x-match all',
    () => declare(bind({ exchange: 'tags', queue: 'q', match: { headers: { 'x-tenant': 'acme' } } })),
    'topology.bindings[0].match.headers["x-tenant"] is ignored by the broker under x-match all (headers starting with "x-" count only with all-with-x) (got "acme")',
  ],
  [
    'x-match given as a header',
    () => declare(bind({ exchange: 'tags', queue: 'q', match: { headers: { 'x-match': 'any' } } })),
    'topology.bindings[0].match.headers["x-match"] must not be set: give the mode as xMatch (got "any")',
  ],
  [
    'a header value that is an object',
    () => declare(bind({ exchange: 'tags', queue: 'q', match: { headers: { a: { b: 1 } } } })),
    'topology.bindings[0].match.headers["a"] must be a string, a finite number, a boolean or null (present with any value) (got an object)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => declareTopology(connection, good, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'route() to an exchange outside the topology',
    () => route(good, 'orders', 'a'),
    'exchange must name an exchange of the topology (got "orders")',
  ],
  [
    'route() with a key that is not a string',
    () => route(good, 'events', 7 as never),
    'routingKey must be a string (got 7)',
  ],
  [
    'topicMatches() with a binding key that is not a string',
    () => topicMatches(42 as never, 'a'),
    'bindingKey must be a string (got 42)',
  ],
  [
    'topicMatches() with a routing key of null',
    () => topicMatches('a', null as never),
    'routingKey must be a string (got null)',
  ],
  [
    'naiveTopicMatches() checks the same',
    () => naiveTopicMatches('a', undefined as never),
    'routingKey must be a string (got undefined)',
  ],
  [
    'headersMatch() with a binding without headers',
    () => headersMatch({ xMatch: 'any' } as never, {}),
    'binding.headers must be an object of header values (got undefined)',
  ],
  [
    'headersMatch() with headers that are not an object',
    () => headersMatch({ headers: {} }, 'a=1' as never),
    'headers must be an object (got a string)',
  ],
  [
    'a publisher on something that is not a connection',
    () => publisher(undefined as never),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got undefined)',
  ],
  [
    'a naive publisher on something that is not a connection',
    () => naivePublisher(42 as never),
    'connection must be an amqplib connection (the ChannelModel amqplib.connect() resolves with) (got a number)',
  ],
  [
    'persistent that is not a boolean',
    () => publisher(connection, { persistent: 'yes' as never }),
    'options.persistent must be a boolean (got "yes")',
  ],
  [
    'an exchange name that is not a string',
    () => pub.publish(42 as never, 'a', 'x'),
    'exchange must be a string ("" is the default exchange) (got 42)',
  ],
  [
    'a routing key over 255 bytes',
    () => pub.publish('', long, 'x'),
    `routingKey must be at most 255 bytes (an AMQP short string) (got "${'k'.repeat(60)}…")`,
  ],
  [
    'content that is a number',
    () => pub.publish('', 'a', 5 as never),
    'content must be a Buffer or a string (got a number)',
  ],
  [
    'headers that are an array',
    () => pub.publish('', 'a', 'x', { headers: [] as never }),
    'options.headers must be an object (got an array)',
  ],
  [
    'an empty messageId',
    () => pub.publish('', 'a', 'x', { messageId: '' }),
    'options.messageId must be a non-empty string (got "")',
  ],
  [
    'a messageId still waiting for its confirm',
    () => {
      void pub.publish('', ns.name('nobody'), 'first', { messageId: 'twin' });
      return pub.publish('', ns.name('nobody'), 'second', { messageId: 'twin' });
    },
    'options.messageId must not be the id of a message still waiting for its confirm (got "twin")',
  ],
  [
    'a return listener that is not a function',
    () => pub.onReturn('log' as never),
    'listener must be a function (got a string)',
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
    expect(err).toBeInstanceOf(ExchangesArgumentError);
    expect(isExchangesError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('declares nothing from a topology with one bad binding', async () => {
    const exchange = ns.name('half');
    const t: Topology = {
      exchanges: { [exchange]: { type: 'topic' } },
      queues: {},
      bindings: [{ exchange, queue: 'missing', key: 'a' }],
    };
    await expect(declareTopology(connection, t)).rejects.toThrow(ExchangesArgumentError);
    const ch = await connection.createChannel();
    ch.on('error', () => {});
    await expect(ch.checkExchange(exchange)).rejects.toThrow(/NOT_FOUND/);
  });
});
