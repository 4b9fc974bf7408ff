// The public API of poc-caching-lfu: LFU with aging, W-TinyLFU (window LRU + count-min sketch admission +
// segmented LRU), the sketch itself, a Loader wrapper of the series' shared shape, Redis's policies as a
// trace replayer, and the seeded workload generators. The LFU without aging is behind
// 'poc-caching-lfu/naive'.
export type { Cache } from './cache.ts';
export { lfu, type LfuOptions } from './lfu.ts';
export { wTinyLfu, type WTinyLfu, type WTinyLfuOptions } from './tinylfu.ts';
export { countMinSketch, type CountMinSketch } from './sketch.ts';
// The loader wrapper, the Redis trace replayer and the workloads are poc-caching-lru's, re-exported so the
// two POCs replay identical traces through the same code.
export {
  cachedLoader,
  type CachedLoader,
  type Loader,
  type LoaderCache,
  redisTrace,
  type RedisTrace,
  type RedisTraceOptions,
  zipfTrace,
  scanTrace,
  loopTrace,
  scanHeavyTrace,
  seededRandom,
  replay,
  type HitCount,
  type ZipfOptions,
} from 'poc-caching-lru';
export { LfuError, LfuArgumentError, isLfuError, type AnyLfuError, type LfuErrorCode } from './errors.ts';
