// Unique counting two ways behind one small interface: a HyperLogLog (PFADD / PFCOUNT / PFMERGE,
// ~12 KB per key whatever the count, ~0.81% standard error) and an exact SET (SADD / SCARD /
// SUNIONSTORE, memory growing with every distinct item). Same calls, so a caller can switch and the
// bench can compare them like for like.
import type { ChainableCommander, Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';

/** Redis HyperLogLogs use 2^14 registers: standard error 1.04 / sqrt(16384) = 0.8125%. */
export const HLL_REGISTERS = 16_384;
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

export interface AddResult {
  /** Items sent (duplicates included). */
  items: number;
  /** Commands sent in the pipeline: ceil(items / batchSize). */
  commands: number;
  /** Whether the estimate (HLL) or the set (exact) changed. */
  changed: boolean;
}

export interface UniqueCounter {
  readonly kind: 'hyperloglog' | 'exact-set';
  /** Adds items in batches of `batchSize` per command, all batches in one pipeline (one round trip). */
  add(key: string, items: readonly string[]): Promise<AddResult>;
  /** Distinct items in one key, or in the union of several (nothing is stored). */
  count(...keys: string[]): Promise<number>;
  /** Stores the union of `sources` (and what `destination` already held) in `destination`; returns its count. */
  merge(destination: string, sources: readonly string[]): Promise<number>;
  /** MEMORY USAGE of the key in bytes (exact, SAMPLES 0); 0 when the key does not exist. */
  memoryBytes(key: string): Promise<number>;
}

export interface CounterOptions {
  /** Items per PFADD / SADD command (default 1 000; at most 100 000). */
  batchSize?: number;
}

const isRedis = (r: unknown): r is Redis =>
  typeof r === 'object' &&
  r !== null &&
  typeof (r as Redis).pipeline === 'function' &&
  typeof (r as Redis).pfadd === 'function';

function checkItems(items: unknown): asserts items is readonly string[] {
  check.kind(Array.isArray(items), 'items', 'must be an array of strings', items);
  const bad = (items as unknown[]).findIndex((i) => typeof i !== 'string');
  check.that(bad === -1, `items[${bad}]`, 'must be a string', (items as unknown[])[bad]);
}

function checkKeys(name: string, keys: unknown): asserts keys is string[] {
  check.kind(Array.isArray(keys) && keys.length > 0, name, 'must be a non-empty array of keys', keys);
  (keys as unknown[]).forEach((k, i) => check.name(`${name}[${i}]`, k));
}

/** Sends the pipeline and fails with the first command error (a WRONGTYPE, a lost connection). */
async function execAll(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (!results) throw new Error('pipeline was discarded');
  for (const [err] of results) if (err) throw err;
  return results.map(([, value]) => value);
}

function counter(redis: Redis, options: CounterOptions, kind: UniqueCounter['kind']): UniqueCounter {
  check.kind(isRedis(redis), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { batchSize = 1_000 } = options;
  check.intIn('batchSize', batchSize, 1, 100_000);
  const hll = kind === 'hyperloglog';

  return {
    kind,
    async add(key, items) {
      check.name('key', key);
      checkItems(items);
      if (items.length === 0) return { items: 0, commands: 0, changed: false };
      const pipeline = redis.pipeline();
      for (let i = 0; i < items.length; i += batchSize) {
        const batch = items.slice(i, i + batchSize);
        if (hll) pipeline.pfadd(key, ...batch);
        else pipeline.sadd(key, ...batch);
      }
      const replies = await redisCall(`adding ${items.length} items to "${key}"`, () => execAll(pipeline));
      // PFADD answers 1 when a register changed; SADD answers how many members were new.
      return { items: items.length, commands: replies.length, changed: replies.some((r) => Number(r) > 0) };
    },
    async count(...keys) {
      checkKeys('keys', keys);
      return redisCall(`counting ${keys.map((k) => `"${k}"`).join(', ')}`, async () => {
        if (hll) return redis.pfcount(...keys);
        if (keys.length === 1) return redis.scard(keys[0]!);
        // An exact union has to be materialised: store it in a scratch key and drop it in one transaction.
        const scratch = `${keys[0]!}:union-scratch`;
        const [stored] = await execAll(
          redis
            .multi()
            .sunionstore(scratch, ...keys)
            .del(scratch),
        );
        return Number(stored);
      });
    },
    async merge(destination, sources) {
      check.name('destination', destination);
      checkKeys('sources', sources);
      return redisCall(`merging into "${destination}"`, async () => {
        if (!hll) return redis.sunionstore(destination, destination, ...sources);
        await redis.pfmerge(destination, ...sources);
        return redis.pfcount(destination);
      });
    },
    async memoryBytes(key) {
      check.name('key', key);
      // ioredis does not apply its keyPrefix to MEMORY USAGE's key (a subcommand argument): add it here.
      const fullKey = (redis.options.keyPrefix ?? '') + key;
      const bytes = await redisCall(`measuring "${key}"`, () => redis.memory('USAGE', fullKey, 'SAMPLES', 0));
      return Number(bytes ?? 0);
    },
  };
}

/** Approximate distinct counts in ~12 KB per key (PFADD / PFCOUNT / PFMERGE). */
export const hyperLogLog = (redis: Redis, options: CounterOptions = {}): UniqueCounter =>
  counter(redis, options, 'hyperloglog');

/** Exact distinct counts in a SET (SADD / SCARD / SUNIONSTORE): the baseline, and the memory it costs. */
export const exactSet = (redis: Redis, options: CounterOptions = {}): UniqueCounter =>
  counter(redis, options, 'exact-set');

/** |estimate - exact| / exact. */
export const relativeError = (estimate: number, exact: number): number => Math.abs(estimate - exact) / exact;
