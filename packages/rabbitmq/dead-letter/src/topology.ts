// A work queue whose dead letters are parked, not lost: the queue names a dead-letter exchange (a fanout
// exchange of its own), and a durable parking queue is bound to it. Every way a message can die — a
// reject or nack without requeue, a TTL that runs out, a full queue, a quorum queue's delivery limit — then
// ends in the parking queue with its history in x-death. The options are checked against what each queue
// type supports, so a setting the broker would refuse (or silently ignore) fails here, naming itself.
import type { ChannelModel } from 'amqplib';
import { brokerCall, check } from './errors.ts';

export type QueueType = 'classic' | 'quorum';
export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
export type DeadLetterStrategy = 'at-most-once' | 'at-least-once';
const OVERFLOWS: readonly Overflow[] = ['drop-head', 'reject-publish', 'reject-publish-dlx'];

export interface DeadLetterOptions {
  /** The work queue. */
  queue: string;
  /** Where dead letters end up: a durable classic queue. */
  parkingQueue: string;
  /** The fanout exchange between them (default: the parking queue's name; exchanges and queues are named apart). */
  deadLetterExchange?: string;
  /** The work queue's type (default 'classic'); a delivery limit needs 'quorum'. */
  type?: QueueType;
  /** Per-queue TTL (x-message-ttl): a message waiting longer is dead-lettered with reason 'expired'. */
  messageTtlMs?: number;
  /** Most ready messages the queue holds (x-max-length); what happens beyond it is `overflow`. */
  maxLength?: number;
  /**
   * When full (needs maxLength): 'drop-head' (default) dead-letters the oldest message; 'reject-publish'
   * nacks the new one and parks nothing; 'reject-publish-dlx' nacks the new one and parks it (classic only).
   */
  overflow?: Overflow;
  /** Quorum only: a message returned more than this many times is dead-lettered with reason 'delivery_limit'. */
  deliveryLimit?: number;
  /**
   * How the work queue hands a dead letter over (default 'at-most-once'): the broker re-publishes it
   * without confirms and forgets it at once, so a crash at the wrong moment loses it. 'at-least-once'
   * (quorum only; it implies overflow 'reject-publish') keeps it in the work queue until the parking queue
   * has confirmed it.
   */
  strategy?: DeadLetterStrategy;
}

export interface DeadLetterTopology {
  readonly queue: string;
  readonly parkingQueue: string;
  readonly deadLetterExchange: string;
  readonly type: QueueType;
  readonly strategy: DeadLetterStrategy;
  /** The work queue's arguments as declared: declare it elsewhere (a consumer, a publisher) with exactly these. */
  readonly queueArguments: Readonly<Record<string, unknown>>;
}

/** A queue or exchange name the broker accepts for a declaration: 1-255 bytes, not "amq."-prefixed. */
export function checkName(argument: string, value: unknown): asserts value is string {
  check.name(argument, value);
  check.that(Buffer.byteLength(value) <= 255, argument, 'must be at most 255 bytes', value);
  check.that(!value.startsWith('amq.'), argument, 'must not start with "amq." (reserved by the broker)', value);
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

/** Checks the options and returns the topology they describe (pure: nothing is declared). */
export function deadLetterTopology(options: DeadLetterOptions): DeadLetterTopology {
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { queue, parkingQueue, ... }',
    options,
  );
  const { queue, parkingQueue, deadLetterExchange = parkingQueue, type = 'classic' } = options;
  const { messageTtlMs, maxLength, overflow, deliveryLimit, strategy = 'at-most-once' } = options;
  checkName('options.queue', queue);
  checkName('options.parkingQueue', parkingQueue);
  check.that(parkingQueue !== queue, 'options.parkingQueue', 'must differ from options.queue', parkingQueue);
  checkName('options.deadLetterExchange', deadLetterExchange);
  check.oneOf('options.type', type, ['classic', 'quorum'] as const);
  if (messageTtlMs !== undefined) check.intIn('options.messageTtlMs', messageTtlMs, 0, 2 ** 32 - 1);
  if (maxLength !== undefined) check.nonNegativeInt('options.maxLength', maxLength);
  if (overflow !== undefined) {
    check.oneOf('options.overflow', overflow, OVERFLOWS);
    check.that(
      maxLength !== undefined,
      'options.overflow',
      'needs options.maxLength (a queue without a limit never overflows)',
      overflow,
    );
    check.that(
      !(type === 'quorum' && overflow === 'reject-publish-dlx'),
      'options.overflow',
      'must be "drop-head" or "reject-publish" on a quorum queue (it does not support reject-publish-dlx)',
      overflow,
    );
  }
  check.oneOf('options.strategy', strategy, ['at-most-once', 'at-least-once'] as const);
  if (strategy === 'at-least-once') {
    check.that(
      type === 'quorum',
      'options.strategy',
      'needs options.type "quorum" (classic queues dead-letter at most once)',
      strategy,
    );
    check.that(
      overflow === undefined || overflow === 'reject-publish',
      'options.overflow',
      'must be "reject-publish" with strategy "at-least-once" (with drop-head the broker falls back to at-most-once)',
      overflow,
    );
  }
  if (deliveryLimit !== undefined) {
    check.that(
      type === 'quorum',
      'options.deliveryLimit',
      'needs options.type "quorum" (a classic queue keeps no delivery count)',
      deliveryLimit,
    );
    check.nonNegativeInt('options.deliveryLimit', deliveryLimit);
  }
  const queueArguments: Record<string, unknown> = {
    'x-dead-letter-exchange': deadLetterExchange,
    ...(type === 'quorum' ? { 'x-queue-type': 'quorum' } : {}),
    ...(messageTtlMs === undefined ? {} : { 'x-message-ttl': messageTtlMs }),
    ...(maxLength === undefined ? {} : { 'x-max-length': maxLength }),
    ...(overflow === undefined ? {} : { 'x-overflow': overflow }),
    ...(deliveryLimit === undefined ? {} : { 'x-delivery-limit': deliveryLimit }),
    ...(strategy === 'at-least-once'
      ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' }
      : {}),
  };
  return { queue, parkingQueue, deadLetterExchange, type, strategy, queueArguments };
}

/**
 * Declares the parking queue, the dead-letter exchange bound to it, and the work queue pointing at the
 * exchange — in that order, so a message that dies at once already has somewhere to go. Idempotent for the
 * same options; a work queue that exists with other arguments fails with DeadLetterServiceError
 * (PRECONDITION_FAILED): RabbitMQ never changes a queue's arguments in place.
 */
export async function declareDeadLettering(
  connection: ChannelModel,
  options: DeadLetterOptions,
): Promise<DeadLetterTopology> {
  checkConnection(connection);
  const t = deadLetterTopology(options);
  const channel = await brokerCall('opening a channel to declare dead-lettering', () => connection.createChannel());
  channel.on('error', () => {}); // a refused declaration closes the channel; the call that made it reports why
  try {
    await brokerCall(`declaring parking queue "${t.parkingQueue}"`, () =>
      channel.assertQueue(t.parkingQueue, { durable: true }),
    );
    await brokerCall(`declaring dead-letter exchange "${t.deadLetterExchange}"`, () =>
      channel.assertExchange(t.deadLetterExchange, 'fanout', { durable: true }),
    );
    await brokerCall(`binding "${t.parkingQueue}" to "${t.deadLetterExchange}"`, () =>
      channel.bindQueue(t.parkingQueue, t.deadLetterExchange, ''),
    );
    await brokerCall(`declaring ${t.type} queue "${t.queue}"`, () =>
      channel.assertQueue(t.queue, { durable: true, arguments: t.queueArguments }),
    );
  } finally {
    await channel.close().catch(() => {});
  }
  return t;
}
