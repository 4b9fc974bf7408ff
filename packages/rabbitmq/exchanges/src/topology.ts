// A topology as data: exchanges (with their alternate exchanges), queues and bindings. The same value is
// declared on the broker (declareTopology) and routed in memory (route), so a test can hold the broker to
// the model, and an application can ask "where would this key go?" without publishing anything.
import type { ChannelModel } from 'amqplib';
import { brokerCall, check } from './errors.ts';
import { checkHeadersBinding, headersArguments, headersMatch, type HeadersBinding } from './headers.ts';
import { checkKey, topicMatches } from './topic.ts';

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';
const EXCHANGE_TYPES: readonly ExchangeType[] = ['direct', 'fanout', 'topic', 'headers'];

export interface ExchangeDeclaration {
  type: ExchangeType;
  /** Survives a broker restart, with its bindings to durable queues (default true). */
  durable?: boolean;
  /** Where a message this exchange routes to no queue goes instead: another exchange of the topology. */
  alternateExchange?: string;
}

export interface QueueDeclaration {
  /** Survives a broker restart (default true). */
  durable?: boolean;
  /** Extra queue arguments (x-max-length, x-queue-type ...). */
  arguments?: Record<string, unknown>;
}

export interface BindingDeclaration {
  exchange: string;
  queue: string;
  /** The binding key of a direct or topic exchange ("" by default); fanout and headers exchanges take none. */
  key?: string;
  /** What a headers exchange matches (required there, refused elsewhere). */
  match?: HeadersBinding;
}

export interface Topology {
  exchanges: Readonly<Record<string, ExchangeDeclaration>>;
  queues: Readonly<Record<string, QueueDeclaration>>;
  bindings: readonly BindingDeclaration[];
}

/** Where a message goes: the queues (sorted, each once) and the exchange whose bindings took it. */
export interface Route {
  readonly queues: readonly string[];
  /** The exchange published to, or an alternate exchange it fell through to; undefined when unroutable. */
  readonly routedBy: string | undefined;
}

/** A queue or exchange name the broker accepts for a declaration: 1-255 bytes, not "amq."-prefixed. */
export function checkName(argument: string, value: unknown): asserts value is string {
  check.name(argument, value);
  check.that(Buffer.byteLength(value) <= 255, argument, 'must be at most 255 bytes', value);
  check.that(!value.startsWith('amq.'), argument, 'must not start with "amq." (reserved by the broker)', value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a topology: every name valid, every reference (binding, alternate exchange) to a declared name. */
export function checkTopology(topology: unknown): asserts topology is Topology {
  check.kind(isObject(topology), 'topology', 'must be an object { exchanges, queues, bindings }', topology);
  const { exchanges, queues, bindings } = topology;
  check.kind(isObject(exchanges), 'topology.exchanges', 'must be an object of exchange declarations', exchanges);
  check.kind(isObject(queues), 'topology.queues', 'must be an object of queue declarations', queues);
  check.kind(Array.isArray(bindings), 'topology.bindings', 'must be an array of bindings', bindings);
  for (const [name, x] of Object.entries(exchanges)) {
    const at = `topology.exchanges[${JSON.stringify(name)}]`;
    checkName(`${at} (its name)`, name);
    check.kind(isObject(x), at, 'must be an object { type, durable?, alternateExchange? }', x);
    check.oneOf(`${at}.type`, x.type, EXCHANGE_TYPES);
    check.that(
      x.durable === undefined || typeof x.durable === 'boolean',
      `${at}.durable`,
      'must be a boolean',
      x.durable,
    );
    check.that(
      x.alternateExchange === undefined || Object.hasOwn(exchanges, x.alternateExchange as string),
      `${at}.alternateExchange`,
      'must name an exchange of the topology',
      x.alternateExchange,
    );
  }
  for (const [name, q] of Object.entries(queues)) {
    const at = `topology.queues[${JSON.stringify(name)}]`;
    checkName(`${at} (its name)`, name);
    check.kind(isObject(q), at, 'must be an object { durable?, arguments? }', q);
    check.that(
      q.durable === undefined || typeof q.durable === 'boolean',
      `${at}.durable`,
      'must be a boolean',
      q.durable,
    );
    check.kind(q.arguments === undefined || isObject(q.arguments), `${at}.arguments`, 'must be an object', q.arguments);
  }
  bindings.forEach((b: unknown, i) => {
    const at = `topology.bindings[${i}]`;
    check.kind(isObject(b), at, 'must be an object { exchange, queue, key?, match? }', b);
    check.that(
      Object.hasOwn(exchanges, b.exchange as string),
      `${at}.exchange`,
      'must name an exchange of the topology',
      b.exchange,
    );
    check.that(Object.hasOwn(queues, b.queue as string), `${at}.queue`, 'must name a queue of the topology', b.queue);
    const type = (exchanges[b.exchange as string] as ExchangeDeclaration).type;
    if (type === 'direct' || type === 'topic') {
      if (b.key !== undefined) checkKey(`${at}.key`, b.key);
      check.kind(b.match === undefined, `${at}.match`, `must be left out: a ${type} exchange routes by key`, b.match);
    } else {
      check.that(b.key === undefined, `${at}.key`, `must be left out: a ${type} exchange ignores routing keys`, b.key);
      if (type === 'headers') checkHeadersBinding(`${at}.match`, b.match, true);
      else
        check.kind(
          b.match === undefined,
          `${at}.match`,
          'must be left out: a fanout exchange takes every message',
          b.match,
        );
    }
  });
}

/** True when one binding of an exchange of type `type` takes a message with this key and these headers. */
function bindingTakes(
  type: ExchangeType,
  b: BindingDeclaration,
  routingKey: string,
  headers: Readonly<Record<string, unknown>>,
): boolean {
  switch (type) {
    case 'fanout':
      return true;
    case 'direct':
      return (b.key ?? '') === routingKey;
    case 'topic':
      return topicMatches(b.key ?? '', routingKey);
    case 'headers':
      return headersMatch(b.match!, headers);
  }
}

/**
 * Where the broker would put a message published to `exchange`: the queues its bindings select (each once,
 * however many of its bindings match); if none, the same question asked of its alternate exchange, and so
 * on down the chain. No queues and `routedBy` undefined: unroutable (returned when published as mandatory).
 */
export function route(
  topology: Topology,
  exchange: string,
  routingKey: string,
  headers: Readonly<Record<string, unknown>> = {},
): Route {
  checkTopology(topology);
  check.that(
    Object.hasOwn(topology.exchanges, exchange),
    'exchange',
    'must name an exchange of the topology',
    exchange,
  );
  checkKey('routingKey', routingKey);
  check.kind(isObject(headers), 'headers', 'must be an object', headers);
  const seen = new Set<string>();
  let current: string | undefined = exchange;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const { type, alternateExchange }: ExchangeDeclaration = topology.exchanges[current]!;
    const queues = new Set(
      topology.bindings
        .filter((b) => b.exchange === current && bindingTakes(type, b, routingKey, headers))
        .map((b) => b.queue),
    );
    if (queues.size > 0) return { queues: [...queues].sort(), routedBy: current };
    current = alternateExchange;
  }
  return { queues: [], routedBy: undefined };
}

/**
 * Declares the topology on the broker on one channel of `connection`: exchanges (alternate exchanges
 * first, so each exists before it is named), queues, then bindings. Idempotent for the same topology; a
 * declaration that conflicts with an existing one (another type, another durability) fails with
 * ExchangesServiceError naming it. `signal` stops it between declarations.
 */
export async function declareTopology(
  connection: ChannelModel,
  topology: Topology,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  checkConnection(connection);
  checkTopology(topology);
  check.options('options', options);
  check.signal('options.signal', options.signal);
  const { signal } = options;
  const channel = await brokerCall('opening a channel to declare the topology', () => connection.createChannel());
  channel.on('error', () => {}); // a refused declaration closes the channel; the call that made it reports why
  try {
    const declared = new Set<string>();
    const declareExchange = async (name: string): Promise<void> => {
      if (declared.has(name)) return;
      declared.add(name); // before the recursion: a cycle of alternate exchanges is legal
      const x = topology.exchanges[name]!;
      if (x.alternateExchange !== undefined) await declareExchange(x.alternateExchange);
      signal?.throwIfAborted();
      await brokerCall(`declaring ${x.type} exchange "${name}"`, () =>
        channel.assertExchange(name, x.type, {
          durable: x.durable ?? true,
          autoDelete: false,
          ...(x.alternateExchange === undefined ? {} : { alternateExchange: x.alternateExchange }),
        }),
      );
    };
    for (const name of Object.keys(topology.exchanges)) await declareExchange(name);
    for (const [name, q] of Object.entries(topology.queues)) {
      signal?.throwIfAborted();
      await brokerCall(`declaring queue "${name}"`, () =>
        channel.assertQueue(name, { durable: q.durable ?? true, arguments: q.arguments }),
      );
    }
    for (const b of topology.bindings) {
      signal?.throwIfAborted();
      const args = b.match === undefined ? undefined : headersArguments(b.match);
      await brokerCall(`binding queue "${b.queue}" to exchange "${b.exchange}" with key "${b.key ?? ''}"`, () =>
        channel.bindQueue(b.queue, b.exchange, b.key ?? '', args),
      );
    }
  } finally {
    await channel.close().catch(() => {}); // already closed by a refused declaration
  }
}

export function checkConnection(connection: unknown): asserts connection is ChannelModel {
  const c = connection as Partial<ChannelModel> | null;
  check.kind(
    typeof c === 'object' &&
      c !== null &&
      typeof c.createChannel === 'function' &&
      typeof c.createConfirmChannel === 'function',
    'connection',
    'must be an amqplib connection (the ChannelModel amqplib.connect() resolves with)',
    connection,
  );
}
