// An O(1) LRU: a Map finds the entry, a doubly linked list keeps the order of use. get() and set() move
// the entry to the head; when the cache is full, set() evicts the tail (the least recently used).
import { check } from './errors.ts';

export interface LruOptions<K, V> {
  /** How many entries it holds at most (a positive integer). */
  capacity: number;
  /** Called with each entry evicted to make room (not for delete() or an overwrite). */
  onEvict?: (key: K, value: V) => void;
}

/** The cache interface shared by the pattern, the naive version and the tests' adapter to lru-cache. */
export interface Cache<K, V> {
  readonly capacity: number;
  readonly size: number;
  /** The value, marking it most recently used; undefined on a miss. */
  get(key: K): V | undefined;
  /** Stores the value as most recently used; evicts the least recently used entry when full. */
  set(key: K, value: V): void;
  /** Whether the key is cached, without touching its recency. */
  has(key: K): boolean;
  delete(key: K): boolean;
  /** Keys from the most to the least recently used. */
  keys(): K[];
}

interface Node<K, V> {
  key: K;
  value: V;
  prev: Node<K, V>;
  next: Node<K, V>;
}

/** A least-recently-used cache of at most `capacity` entries; every operation is O(1). */
export function lru<K, V>(options: LruOptions<K, V>): Cache<K, V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.capacity', options.capacity);
  if (options.onEvict !== undefined) check.fn('options.onEvict', options.onEvict);
  return new LruCache(options.capacity, options.onEvict);
}

class LruCache<K, V> implements Cache<K, V> {
  private readonly map = new Map<K, Node<K, V>>();
  // A sentinel closes the ring: head.next is the most recent entry, head.prev the least recent.
  private readonly head: Node<K, V>;

  readonly capacity: number;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;

  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    this.capacity = capacity;
    this.onEvict = onEvict;
    const sentinel = { prev: undefined, next: undefined } as unknown as Node<K, V>;
    sentinel.prev = sentinel;
    sentinel.next = sentinel;
    this.head = sentinel;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    this.unlink(node);
    this.pushFront(node);
    return node.value;
  }

  set(key: K, value: V): void {
    const node = this.map.get(key);
    if (node !== undefined) {
      node.value = value;
      this.unlink(node);
      this.pushFront(node);
      return;
    }
    if (this.map.size >= this.capacity) {
      const victim = this.head.prev;
      this.unlink(victim);
      this.map.delete(victim.key);
      this.onEvict?.(victim.key, victim.value);
    }
    const fresh = { key, value } as Node<K, V>;
    this.pushFront(fresh);
    this.map.set(key, fresh);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  delete(key: K): boolean {
    const node = this.map.get(key);
    if (node === undefined) return false;
    this.unlink(node);
    this.map.delete(key);
    return true;
  }

  keys(): K[] {
    const out: K[] = [];
    for (let n = this.head.next; n !== this.head; n = n.next) out.push(n.key);
    return out;
  }

  private unlink(node: Node<K, V>): void {
    node.prev.next = node.next;
    node.next.prev = node.prev;
  }

  private pushFront(node: Node<K, V>): void {
    node.next = this.head.next;
    node.prev = this.head;
    this.head.next.prev = node;
    this.head.next = node;
  }
}
