// The interface every policy of this package implements (and the tests' adapter to lru-cache), so a
// trace replays on any of them and a loader wraps any of them.
export interface Cache<K, V> {
  readonly capacity: number;
  readonly size: number;
  /** The value, recording the access; undefined on a miss. */
  get(key: K): V | undefined;
  /** Stores the value; the policy decides what leaves (or whether the new entry is admitted at all). */
  set(key: K, value: V): void;
  /** Whether the key is cached, without recording an access. */
  has(key: K): boolean;
  delete(key: K): boolean;
}
