// The naive LRU people write first: an array of keys in order of use. It evicts the same entries as the
// pattern (the differential test checks it), but every hit is an indexOf + splice, O(capacity): the
// bench shows what that costs. Import it from 'poc-caching-lru/naive'.
import { check } from './errors.ts';
import type { Cache, LruOptions } from './lru.ts';

export function naiveLru<K, V>(options: LruOptions<K, V>): Cache<K, V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.capacity', options.capacity);
  if (options.onEvict !== undefined) check.fn('options.onEvict', options.onEvict);
  const { capacity, onEvict } = options;
  const values = new Map<K, V>();
  const order: K[] = []; // least recently used first
  const touch = (key: K): void => {
    order.splice(order.indexOf(key), 1);
    order.push(key);
  };
  return {
    capacity,
    get size() {
      return values.size;
    },
    get(key) {
      if (!values.has(key)) return undefined;
      touch(key);
      return values.get(key);
    },
    set(key, value) {
      if (values.has(key)) {
        values.set(key, value);
        touch(key);
        return;
      }
      if (values.size >= capacity) {
        const victim = order.shift() as K;
        const old = values.get(victim) as V;
        values.delete(victim);
        onEvict?.(victim, old);
      }
      values.set(key, value);
      order.push(key);
    },
    has: (key) => values.has(key),
    delete(key) {
      if (!values.delete(key)) return false;
      order.splice(order.indexOf(key), 1);
      return true;
    },
    keys: () => [...order].reverse(),
  };
}
