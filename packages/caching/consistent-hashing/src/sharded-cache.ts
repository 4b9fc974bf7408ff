// A read-through cache sharded over several Redis servers by a Sharder: each key lives on the server
// the sharder names. Removing a server (it died, or it is being drained) is one call: the sharder is
// rebuilt without it, so only the keys it owned miss afterwards (with a consistent sharder); with
// hash mod n most keys change server and miss.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import type { Sharder } from './sharders.ts';

/** The shared shape of every caching POC: loads one key's value from the source of truth. */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

export interface ShardedCacheOptions {
  /** Node name → the ioredis client of that server; the names must be the sharder's nodes. */
  shards: Record<string, Redis>;
  /** Which server owns a key (hashRing, jumpHash, or moduloHash from ./naive). */
  sharder: Sharder;
  /** Lifetime of a cached value, in ms. */
  ttlMs: number;
}

export interface ShardStats {
  hits: number;
  misses: number;
  /** Misses per node that served them. */
  missesByNode: Record<string, number>;
}

export interface ShardedCache<V> {
  /** The cached value of `key` from its server, or the loader's (then stored there with the TTL). */
  get(key: string, options?: { signal?: AbortSignal }): Promise<V>;
  /** The node that owns `key` now. */
  nodeFor(key: string): string;
  /** Stops using `node`: the sharder is rebuilt without it. Returns the new sharder. */
  removeNode(node: string): Sharder;
  readonly sharder: Sharder;
  stats(): ShardStats;
}

const isClient = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).get === 'function';

export function shardedCache<V>(loader: Loader<V>, options: ShardedCacheOptions): ShardedCache<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { shards, ttlMs } = options;
  let sharder = options.sharder;
  check.kind(
    typeof sharder === 'object' && sharder !== null && typeof sharder.nodeFor === 'function',
    'options.sharder',
    'must be a Sharder',
    sharder,
  );
  check.kind(typeof shards === 'object' && shards !== null, 'options.shards', 'must be an object', shards);
  for (const node of sharder.nodes)
    check.kind(isClient(shards[node]), `options.shards["${node}"]`, 'must be an ioredis client', shards[node]);
  check.positiveInt('options.ttlMs', ttlMs);

  const stats: ShardStats = { hits: 0, misses: 0, missesByNode: {} };
  return {
    get sharder() {
      return sharder;
    },
    nodeFor: (key) => sharder.nodeFor(key),
    removeNode(node) {
      sharder = sharder.withoutNode(node);
      return sharder;
    },
    async get(key, opts) {
      check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
      check.options('options', opts);
      check.signal('options.signal', opts?.signal);
      opts?.signal?.throwIfAborted();
      const node = sharder.nodeFor(key);
      const redis = shards[node]!;
      const raw = await redisCall(`reading "${key}" on ${node}`, () => redis.get(key));
      if (raw !== null) {
        stats.hits++;
        return JSON.parse(raw) as V;
      }
      stats.misses++;
      stats.missesByNode[node] = (stats.missesByNode[node] ?? 0) + 1;
      const value = await loader(key, opts?.signal);
      await redisCall(`storing "${key}" on ${node}`, () => redis.set(key, JSON.stringify(value), 'PX', ttlMs));
      return value;
    },
    stats: () => ({ ...stats, missesByNode: { ...stats.missesByNode } }),
  };
}
