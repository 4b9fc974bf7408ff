// The naive LFU: count accesses forever, never age them. It keeps what was popular once: after the
// traffic moves to new keys, the old hot set's large counts keep it cached and the new keys churn through
// the few low-count slots (test/lfu.test.ts, "break it"). Same options and interface as lfu(), without
// halveEvery. Import it from 'poc-caching-lfu/naive'.
import type { Cache } from './cache.ts';
import { check } from './errors.ts';
import { frequencyCache } from './lfu.ts';

export function naiveLfu<K, V>(options: { capacity: number }): Cache<K, V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.capacity', options.capacity);
  return frequencyCache(options.capacity, Infinity);
}
