// Three ways to pick the cache server of a key, behind one small interface (Sharder):
//  - hashRing: consistent hashing with virtual nodes. Each node owns `vnodes` points on a 32-bit
//    circle; a key belongs to the first point at or after its hash. Adding a node takes over only
//    the arcs before its own points (≈ 1/(n+1) of the keys), all from the old nodes, none between them.
//  - jumpHash: Lamping & Veach's jump consistent hash (2014). No table at all: a key's bucket is
//    computed in O(ln n) steps of a 64-bit LCG, and growing from n to n+1 buckets moves exactly the
//    keys that land in the new one (≈ 1/(n+1)). Nodes are numbered: only the LAST one can be removed
//    without moving keys between the others.
//  - moduloHash (src/naive.ts): hash mod n. Perfectly even, but changing n moves most keys.
import { check } from './errors.ts';

export interface Sharder {
  readonly kind: string;
  readonly nodes: readonly string[];
  /** The node that owns `key`. */
  nodeFor(key: string): string;
  /** A sharder over the same nodes plus `node`. */
  withNode(node: string): Sharder;
  /** A sharder over the same nodes without `node`. */
  withoutNode(node: string): Sharder;
}

/** A 32-bit hash of a string: FNV-1a over its UTF-16 code units, then murmur3's finaliser to spread the bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 64-bit key for jump hash, from two independent 32-bit hashes. */
export function hash64(text: string): bigint {
  return (BigInt(hash32(text)) << 32n) | BigInt(hash32(`${text}\u0000`));
}

const MASK64 = (1n << 64n) - 1n;

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key (the paper's algorithm, in BigInt for 64-bit wrap). */
export function jumpBucket(key: bigint, buckets: number): number {
  check.positiveInt('buckets', buckets);
  let b = -1;
  let j = 0;
  let k = key & MASK64;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK64;
    j = Math.floor(((b + 1) * 2 ** 31) / (Number(k >> 33n) + 1));
  }
  return b;
}

export function checkNodes(nodes: unknown): asserts nodes is readonly string[] {
  check.that(
    Array.isArray(nodes) && nodes.length > 0 && nodes.every((n) => typeof n === 'string' && n.length > 0),
    'nodes',
    'must be a non-empty array of non-empty strings',
    nodes,
  );
  const repeated = nodes.find((n, i) => nodes.indexOf(n) !== i);
  check.that(repeated === undefined, 'nodes', 'must not repeat a node', repeated);
}

function checkChange(nodes: readonly string[], node: unknown, adding: boolean): asserts node is string {
  check.name('node', node);
  if (adding) check.that(!nodes.includes(node), 'node', 'must not be in the ring already', node);
  else {
    check.that(nodes.includes(node), 'node', 'must be one of the nodes', node);
    check.that(nodes.length > 1, 'node', 'must not be the last node', node);
  }
}

/** Consistent hashing on a ring with `vnodes` points per node (default 160, as ketama uses). */
export function hashRing(nodes: readonly string[], options: { vnodes?: number } = {}): Sharder {
  checkNodes(nodes);
  check.options('options', options);
  const vnodes = options.vnodes ?? 160;
  check.intIn('options.vnodes', vnodes, 1, 10_000);
  const points: Array<{ at: number; node: string }> = [];
  for (const node of nodes) for (let v = 0; v < vnodes; v++) points.push({ at: hash32(`${node}#${v}`), node });
  // Ties (two points on the same hash) go to the smaller node name, so the order of `nodes` never matters.
  points.sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const at = Uint32Array.from(points, (p) => p.at);
  const owner = points.map((p) => p.node);
  return {
    kind: `ring(${vnodes} vnodes)`,
    nodes: [...nodes],
    nodeFor(key) {
      const h = hash32(key);
      let lo = 0;
      let hi = at.length; // first point with at >= h; past the end wraps to point 0
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (at[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      return owner[lo === at.length ? 0 : lo]!;
    },
    withNode(node) {
      checkChange(nodes, node, true);
      return hashRing([...nodes, node], { vnodes });
    },
    withoutNode(node) {
      checkChange(nodes, node, false);
      return hashRing(
        nodes.filter((n) => n !== node),
        { vnodes },
      );
    },
  };
}

/** Jump consistent hash over numbered nodes: nodes[i] is bucket i. Adding appends; removing must take the last. */
export function jumpHash(nodes: readonly string[]): Sharder {
  checkNodes(nodes);
  return {
    kind: 'jump',
    nodes: [...nodes],
    nodeFor: (key) => nodes[jumpBucket(hash64(key), nodes.length)]!,
    withNode(node) {
      checkChange(nodes, node, true);
      return jumpHash([...nodes, node]);
    },
    withoutNode(node) {
      checkChange(nodes, node, false);
      check.that(
        node === nodes[nodes.length - 1],
        'node',
        `must be the last node ("${nodes[nodes.length - 1]}"): jump hash numbers its buckets`,
        node,
      );
      return jumpHash(nodes.slice(0, -1));
    },
  };
}

/** How many of `keys` a change of sharder sends to a different node. */
export function keysMoved(before: Sharder, after: Sharder, keys: Iterable<string>): { moved: number; total: number } {
  let moved = 0;
  let total = 0;
  for (const key of keys) {
    total++;
    if (before.nodeFor(key) !== after.nodeFor(key)) moved++;
  }
  return { moved, total };
}

/** Keys per node, and the spread: max ÷ mean (1 is perfect) and the standard deviation ÷ mean. */
export function loadSpread(
  sharder: Sharder,
  keys: Iterable<string>,
): { perNode: Record<string, number>; maxOverMean: number; stddevOverMean: number } {
  const perNode: Record<string, number> = Object.fromEntries(sharder.nodes.map((n) => [n, 0]));
  for (const key of keys) perNode[sharder.nodeFor(key)]!++;
  const counts = Object.values(perNode);
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length;
  return { perNode, maxOverMean: Math.max(...counts) / mean, stddevOverMean: Math.sqrt(variance) / mean };
}

/** `count` distinct keys `<prefix><i>`: the key set the tests, demo and bench count moves over. */
export function sampleKeys(count: number, prefix = 'user:'): string[] {
  check.positiveInt('count', count);
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}
