// Two cache layers in front of any loader: L1 in this process (lru-cache, with its own TTL by the
// kit's Clock), L2 on Redis. A write changes L2 and tells every process to drop its L1 copy: one Lua
// script appends the invalidation to a capped stream and publishes its stream id. Pub/sub is fast but
// forgets a message sent while a subscriber is away, so each process remembers the last id it heard
// and, when its subscription comes back, replays the stream from there (or clears its L1 when the
// stream was trimmed past that id: the gap cannot be replayed).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { check, redisCall } from './errors.ts';
import { compareIds, type StreamId } from './stream-id.ts';

/** The shared shape of every caching POC: loads the value of `key` (any JSON value but undefined). */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

/** Where a read was answered. */
export type Layer = 'l1' | 'l2' | 'loader';

/** What the subscription is doing: 'detached' while its connection is down (L1 may be stale then). */
export type SubscriptionState = 'idle' | 'attached' | 'detached' | 'closed';

export interface InvalidationEvent {
  key: string;
  /** Stream id of the invalidation ('' for a whole-L1 clear). */
  id: string;
  /** message: heard on pub/sub; replay: read from the stream after a reconnect; clear: gap too old, L1 emptied. */
  via: 'message' | 'replay' | 'clear';
}

export interface MultiLayerStats {
  l1Hits: number;
  l2Hits: number;
  loads: number;
  /** L1 hits served while the subscription was down: each may have been stale. */
  l1HitsDetached: number;
  /** Invalidations from other processes applied to L1: heard, replayed. */
  heard: number;
  replayed: number;
  /** Times L1 was emptied because the stream no longer held what was missed. */
  clears: number;
}

export interface MultiLayerOptions<V> {
  /** Loads a value on a miss of both layers (the source of truth, e.g. PostgreSQL). */
  loader: Loader<V>;
  /** An ioredis client for commands (L2, stream, publish). */
  redis: Redis;
  /** A second ioredis client, used only to subscribe (a subscribed connection can run nothing else). */
  subscriber: Redis;
  /** Names the channel, the stream and the L2 keys: every process of one cache uses the same name. */
  name: string;
  l1: { max: number; ttlMs: number };
  l2: { ttlMs: number };
  /** Approximate length the invalidation stream is capped at (XADD MAXLEN ~), default 10 000. */
  streamMaxLen?: number;
  clock?: Clock;
  /** Told about every invalidation applied to this process's L1 (wire it to metrics). */
  onInvalidation?: (event: InvalidationEvent) => void;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export interface MultiLayerCache<V> {
  /** The value of `key`: from L1, else L2, else the loader (then stored in both layers). */
  get(key: string, options?: GetOptions): Promise<V>;
  /** get(), also saying which layer answered. */
  read(key: string, options?: GetOptions): Promise<{ value: V; layer: Layer }>;
  /** Call after the source changed: deletes L2 and this L1 entry, and tells every other process. */
  invalidate(key: string): Promise<string>;
  /** Stores `value` in L2 and this L1 and tells every other process to drop its copy. */
  set(key: string, value: V): Promise<string>;
  /** Subscribes and notes where the stream is; call once before serving. */
  start(): Promise<void>;
  /** Unsubscribes (the clients stay yours to close). */
  close(): Promise<void>;
  readonly state: SubscriptionState;
  /** The last stream id this process has applied. */
  readonly lastId: string;
  stats(): MultiLayerStats;
}

interface L1Entry<V> {
  value: V;
  expiresAt: number;
}

const SCRIPT = readFileSync(new URL('./lua/invalidate-2.lua', import.meta.url), 'utf8');
const REPLAY_BATCH = 500;
const RETRY_MS = 100;

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** A two-layer cache whose L1 invalidations survive a lost subscription (stream replay). */
export function multiLayerCache<V>(options: MultiLayerOptions<V>): MultiLayerCache<V> {
  return createMultiLayer(options, { replay: true });
}

/** The shared core; the naive variant (src/naive.ts) is the same cache without the replay. */
export function createMultiLayer<V>(options: MultiLayerOptions<V>, mode: { replay: boolean }): MultiLayerCache<V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { loader, redis, subscriber, name, l1, l2, streamMaxLen = 10_000, clock = systemClock } = options;
  check.fn('options.loader', loader);
  check.kind(hasMethods(redis, 'get', 'xrange', 'defineCommand'), 'options.redis', 'must be an ioredis client', redis);
  check.kind(
    hasMethods(subscriber, 'subscribe', 'on') && subscriber !== redis,
    'options.subscriber',
    'must be an ioredis client other than options.redis',
    subscriber,
  );
  check.name('options.name', name);
  check.kind(typeof l1 === 'object' && l1 !== null, 'options.l1', 'must be an object', l1);
  check.positiveInt('options.l1.max', l1.max);
  check.positiveInt('options.l1.ttlMs', l1.ttlMs);
  check.kind(typeof l2 === 'object' && l2 !== null, 'options.l2', 'must be an object', l2);
  check.positiveInt('options.l2.ttlMs', l2.ttlMs);
  check.positiveInt('options.streamMaxLen', streamMaxLen);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const { onInvalidation } = options;
  check.kind(
    onInvalidation === undefined || typeof onInvalidation === 'function',
    'options.onInvalidation',
    'must be a function',
    onInvalidation,
  );

  const prefix = redis.options.keyPrefix ?? '';
  const channel = `${prefix}${name}:invalidations`; // PUBLISH/SUBSCRIBE take channels, which keyPrefix skips
  const streamKey = `${name}:stream`;
  const l2Key = (key: string): string => `${name}:l2:${key}`;
  const origin = randomBytes(6).toString('hex'); // this process: it skips its own messages
  if (!('multiLayerInvalidate' in redis)) redis.defineCommand('multiLayerInvalidate', { numberOfKeys: 2, lua: SCRIPT });
  const invalidateScript = (
    redis as unknown as Record<string, (...a: unknown[]) => Promise<string>>
  ).multiLayerInvalidate!.bind(redis);
  const invalidateMarker = (stream: string, maxLen: number, by: string): Promise<string> =>
    redis.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'k', '', 'o', by) as Promise<string>;

  const cache = new LRUCache<string, L1Entry<V>>({ max: l1.max });
  const stats: MultiLayerStats = {
    l1Hits: 0,
    l2Hits: 0,
    loads: 0,
    l1HitsDetached: 0,
    heard: 0,
    replayed: 0,
    clears: 0,
  };
  let state: SubscriptionState = 'idle';
  let lastId: StreamId = '0-0';
  let lastIdAtDetach: StreamId = '0-0';
  // Bumped by every invalidation: a read that started before one must not put what it read into L1.
  let epoch = 0;
  let catchingUp: Promise<void> = Promise.resolve();

  const checkKey = (key: unknown): void =>
    check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);

  function applied(key: string, id: string, via: InvalidationEvent['via']): void {
    epoch++;
    if (via === 'clear') cache.clear();
    else cache.delete(key);
    if (id !== '' && compareIds(id, lastId) > 0) lastId = id;
    if (via === 'message') stats.heard++;
    else if (via === 'replay') stats.replayed++;
    else stats.clears++;
    onInvalidation?.({ key, id, via });
  }

  function onMessage(from: string, payload: string): void {
    if (from !== channel) return;
    const [id = '', writer = '', ...rest] = payload.split(' ');
    if (writer === origin) {
      if (compareIds(id, lastId) > 0) lastId = id; // our own write: already applied locally
      return;
    }
    applied(rest.join(' '), id, 'message');
  }

  /**
   * Replays the stream after `from` (the last id applied when the link went down). The stream is only
   * ever trimmed from its head, so if the entry `from` is still there, everything after it is too; if it
   * is gone (trimmed, or the server lost the stream), what was missed cannot be known: L1 is emptied.
   */
  async function catchUp(from: StreamId): Promise<void> {
    // From where the link went down, not from lastId: messages heard since the resubscribe moved lastId
    // past entries published during the cut. Re-applying one already heard is harmless.
    for (let after = from, first = true; ; first = false) {
      const entries = await redisCall('replaying the invalidation stream', () =>
        redis.xrange(streamKey, first ? after : `(${after}`, '+', 'COUNT', REPLAY_BATCH),
      );
      if (first) {
        if (entries[0]?.[0] !== from) {
          applied('', '', 'clear');
          const [newest] = await redisCall('reading the invalidation stream', () =>
            redis.xrevrange(streamKey, '+', '-', 'COUNT', 1),
          );
          if (newest && compareIds(newest[0], lastId) > 0) lastId = newest[0];
          return;
        }
        entries.shift();
      }
      for (const [id, fields] of entries) {
        after = id;
        const key = fields[fields.indexOf('k') + 1] ?? '';
        if (key === '' || fields[fields.indexOf('o') + 1] === origin) {
          if (compareIds(id, lastId) > 0) lastId = id; // a start marker, or our own write
        } else applied(key, id, 'replay');
      }
      if (entries.length < REPLAY_BATCH - (first ? 1 : 0)) return;
    }
  }

  const onClose = (): void => {
    if (state !== 'attached') return;
    state = 'detached';
    lastIdAtDetach = lastId;
  };
  const resume = (): void => {
    if (state !== 'detached' || subscriber.status !== 'ready') return;
    // Our own SUBSCRIBE answers after ioredis's automatic one: from then on every message arrives, so
    // the stream read after it cannot miss one published in between.
    catchingUp = (async () => {
      await subscriber.subscribe(channel);
      if (mode.replay) await catchUp(lastIdAtDetach);
      // Dropped again meanwhile: stay detached, and the next 'ready' replays from the same id again.
      if (state === 'detached' && subscriber.status === 'ready') state = 'attached';
    })().catch(() => {
      // The command client may not be back yet: try again shortly (a new 'ready' also retries).
      clock.schedule(resume, RETRY_MS);
    });
  };

  async function read(key: string, options?: GetOptions): Promise<{ value: V; layer: Layer }> {
    checkKey(key);
    check.options('options', options);
    const signal = options?.signal;
    check.signal('options.signal', signal);
    signal?.throwIfAborted();
    const now = clock.now();
    const entry = cache.get(key);
    if (entry !== undefined && now < entry.expiresAt) {
      stats.l1Hits++;
      if (state === 'detached') stats.l1HitsDetached++;
      return { value: entry.value, layer: 'l1' };
    }
    const seen = epoch;
    const keep = (value: V): void => {
      if (epoch === seen) cache.set(key, { value, expiresAt: clock.now() + l1.ttlMs });
    };
    const raw = await redisCall(`reading ${l2Key(key)}`, () => redis.get(l2Key(key)));
    if (raw !== null) {
      stats.l2Hits++;
      const value = JSON.parse(raw) as V;
      keep(value);
      return { value, layer: 'l2' };
    }
    stats.loads++;
    const value = await loader(key, signal);
    check.that(value !== undefined, 'loader', 'must not return undefined', value);
    await redisCall(`storing ${l2Key(key)}`, () => redis.set(l2Key(key), JSON.stringify(value), 'PX', l2.ttlMs));
    keep(value);
    return { value, layer: 'loader' };
  }

  async function broadcast(key: string, value?: { v: V }): Promise<string> {
    checkKey(key);
    epoch++;
    cache.delete(key);
    const id = await redisCall(`invalidating ${l2Key(key)}`, () =>
      value === undefined
        ? invalidateScript(l2Key(key), streamKey, channel, streamMaxLen, key, origin, 'delete')
        : invalidateScript(
            l2Key(key),
            streamKey,
            channel,
            streamMaxLen,
            key,
            origin,
            'set',
            JSON.stringify(value.v),
            l2.ttlMs,
          ),
    );
    if (value !== undefined) cache.set(key, { value: value.v, expiresAt: clock.now() + l1.ttlMs });
    return id;
  }

  return {
    read,
    async get(key, options) {
      return (await read(key, options)).value;
    },
    invalidate: (key) => broadcast(key),
    set(key, value) {
      check.that(value !== undefined, 'value', 'must not be undefined', value);
      return broadcast(key, { v: value });
    },
    async start() {
      check.that(state === 'idle', 'start()', 'must be called once, before serving', state);
      subscriber.on('message', onMessage);
      subscriber.on('close', onClose);
      subscriber.on('ready', resume);
      await redisCall(`subscribing to ${channel}`, () => subscriber.subscribe(channel));
      // Messages from here on arrive. A marker entry gives this process a last-seen id that exists in
      // the stream, so catchUp() can tell "nothing missed was trimmed" from "a gap".
      lastId = await redisCall('marking the invalidation stream', () =>
        invalidateMarker(streamKey, streamMaxLen, origin),
      );
      state = 'attached';
    },
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      subscriber.off('message', onMessage);
      subscriber.off('close', onClose);
      subscriber.off('ready', resume);
      await catchingUp;
      await subscriber.unsubscribe(channel).catch(() => {});
    },
    get state() {
      return state;
    },
    get lastId() {
      return lastId;
    },
    stats: () => ({ ...stats }),
  };
}
