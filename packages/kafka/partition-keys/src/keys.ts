// A key picks a partition, and a partition is Kafka's unit of order and of parallel work: every message
// with one key lands on one partition and is read in the order it was written, and one consumer of a
// group does all of that partition's work. So the key decides both what stays in order and how evenly
// the work spreads. A key with too few values (a tenant, a country) puts its hot value's whole load on
// one partition; salting splits a hot key into key#0..key#N-1 and gives up its total order for a bounded
// number of sub-streams, merged again downstream by reaggregate().
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { check } from './errors.ts';

/** What separates a salted key from its salt: "acme#3". A key to be salted must not contain it. */
export const SALT_SEPARATOR = '#';

// KafkaJS 2.x's default partitioner, the same function Kafka's Java client uses for a keyed record:
// toPositive(murmur2(key bytes)) % partitions. Its only state is the round-robin counter of unkeyed messages.
const javaCompatible = Partitioners.DefaultPartitioner();
const metadata = new Map<number, PartitionMetadata[]>();
const metadataOf = (partitions: number): PartitionMetadata[] => {
  let m = metadata.get(partitions);
  if (!m) {
    m = Array.from({ length: partitions }, (_, i) => ({
      partitionErrorCode: 0,
      partitionId: i,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    metadata.set(partitions, m);
  }
  return m;
};

/**
 * The partition a key goes to on a topic of `partitions` partitions, as KafkaJS's DefaultPartitioner and
 * Kafka's Java producer choose it: murmur2 of the key's UTF-8 bytes, made positive, modulo the count.
 */
export function partitionFor(key: string | Buffer, partitions: number): number {
  check.kind(typeof key === 'string' || Buffer.isBuffer(key), 'key', 'must be a string or a Buffer', key);
  check.positiveInt('partitions', partitions);
  return javaCompatible({ topic: '', partitionMetadata: metadataOf(partitions), message: { key, value: null } });
}

/** How events become message keys, and how a key maps back to the thing an aggregate is kept for. */
export interface KeyStrategy<E> {
  /** What the key is made of, for reports: "tenant", "tenant, hot keys salted ×8 by value". */
  readonly name: string;
  /** The message key of an event: events with equal keys share a partition and keep their order. */
  keyOf(event: E): string;
  /** The key an aggregate is kept under: the key itself, or a salted key without its salt. */
  groupOf(key: string): string;
}

/**
 * A key taken from the event: `keyBy('tenant', (o) => o.tenant)`. `options.groupOf` maps a key to what its
 * aggregates roll up to when that is coarser than the key (an order id to its tenant); default: the key.
 */
export function keyBy<E>(
  name: string,
  pick: (event: E) => string,
  options: { groupOf?: (key: string) => string } = {},
): KeyStrategy<E> {
  check.name('name', name);
  check.fn('pick', pick);
  check.options('options', options);
  const { groupOf = (key: string) => key } = options;
  check.fn('options.groupOf', groupOf);
  return {
    name,
    keyOf(event) {
      const key = pick(event);
      check.that(
        typeof key === 'string' && key.length > 0,
        `the "${name}" key of an event`,
        'must be a non-empty string',
        key,
      );
      return key;
    },
    groupOf,
  };
}

export interface SaltOptions<E> {
  /** How many sub-keys a hot key is spread over: key#0 .. key#(buckets-1). */
  buckets: number;
  /** The keys to salt (the hot ones). Default: every key. Keys not listed keep one partition and their order. */
  hot?: readonly string[];
  /**
   * Which events of a hot key stay together, in order: events with the same `by` value (an order id) get
   * the same salt. Default: round-robin over the buckets, which spreads best and keeps no order at all.
   */
  by?: (event: E) => string;
}

/**
 * Salts the hot keys of `base`: `acme` becomes `acme#0` .. `acme#7`, spread over up to 8 partitions. What
 * is given up: the hot key's events are no longer one ordered stream (only each salt's, or each `by`
 * value's, are), and whoever wants one figure per key must add up the salts (reaggregate()).
 */
export function saltedKey<E>(base: KeyStrategy<E>, options: SaltOptions<E>): KeyStrategy<E> {
  check.kind(
    typeof base?.keyOf === 'function' && typeof base.groupOf === 'function',
    'base',
    'must be a KeyStrategy (keyBy(...))',
    base,
  );
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object { buckets }', options);
  const { buckets, hot, by } = options;
  check.intIn('options.buckets', buckets, 2, 1_000);
  check.kind(
    hot === undefined || (Array.isArray(hot) && hot.every((k) => typeof k === 'string' && k.length > 0)),
    'options.hot',
    'must be an array of non-empty strings',
    hot,
  );
  if (by !== undefined) check.fn('options.by', by);
  const hotKeys = hot === undefined ? undefined : new Set(hot);
  const isHot = (key: string): boolean => hotKeys === undefined || hotKeys.has(key);
  const turns = new Map<string, number>(); // round-robin position per hot key
  const saltPattern = new RegExp(`^(.+)${SALT_SEPARATOR}(\\d+)$`);
  return {
    name: `${base.name}, ${hot ? 'hot keys' : 'every key'} salted ×${buckets} ${by ? 'by value' : 'round-robin'}`,
    keyOf(event) {
      const key = base.keyOf(event);
      check.that(
        !key.includes(SALT_SEPARATOR),
        `the "${base.name}" key of an event`,
        `must not contain the salt separator "${SALT_SEPARATOR}"`,
        key,
      );
      if (!isHot(key)) return key;
      let salt: number;
      if (by) {
        salt = partitionFor(by(event), buckets);
      } else {
        salt = turns.get(key) ?? 0;
        turns.set(key, (salt + 1) % buckets);
      }
      return `${key}${SALT_SEPARATOR}${salt}`;
    },
    groupOf(key) {
      const m = saltPattern.exec(key);
      const unsalted = m && isHot(m[1]!) && Number(m[2]) < buckets ? m[1]! : key;
      return base.groupOf(unsalted);
    },
  };
}

/**
 * Merges partial aggregates kept per message key (what each consumer can compute alone, per partition)
 * into one per group: the salts of a hot key are added back together.
 */
export function reaggregate<V>(
  strategy: Pick<KeyStrategy<never>, 'groupOf'>,
  partials: Iterable<readonly [string, V]>,
  combine: (a: V, b: V) => V,
): Map<string, V> {
  check.kind(typeof strategy?.groupOf === 'function', 'strategy', 'must be a KeyStrategy', strategy);
  check.kind(
    typeof (partials as Iterable<unknown> | null)?.[Symbol.iterator] === 'function',
    'partials',
    'must be an iterable of [key, value]',
    partials,
  );
  check.fn('combine', combine);
  const out = new Map<string, V>();
  for (const [key, value] of partials) {
    const group = strategy.groupOf(key);
    out.set(group, out.has(group) ? combine(out.get(group)!, value) : value);
  }
  return out;
}
