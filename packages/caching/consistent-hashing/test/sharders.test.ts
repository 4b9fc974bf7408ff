// The sharders as pure functions over 100,000 keys: keys moved when a node is added or removed, and
// the load spread against the number of virtual nodes. No peer ring library is installed in the repo,
// so the three strategies are compared with each other and with their defining properties.
import { describe, expect, it } from 'vitest';
import {
  hashRing,
  jumpBucket,
  jumpHash,
  keysMoved,
  loadSpread,
  sampleKeys,
  hash64,
  type Sharder,
} from '../src/index.ts';
import { moduloHash } from '../src/naive.ts';

const keys = sampleKeys(100_000);
const three = ['cache-a', 'cache-b', 'cache-c'];

/** Every key that changed owner went to `added`: nothing moved between the old nodes. */
function movesOnlyTo(before: Sharder, after: Sharder, added: string): boolean {
  return keys.every((k) => before.nodeFor(k) === after.nodeFor(k) || after.nodeFor(k) === added);
}

describe('adding a 4th node to 3', () => {
  it.each([
    ['ring, 160 vnodes', hashRing(three)],
    ['jump hash', jumpHash(three)],
  ])('%s moves about 1/4 of the keys, all of them to the new node', (_name, before) => {
    const after = before.withNode('cache-d');
    const { moved, total } = keysMoved(before, after, keys);
    expect(moved / total).toBeGreaterThan(0.2);
    expect(moved / total).toBeLessThan(0.3);
    expect(movesOnlyTo(before, after, 'cache-d')).toBe(true);
  });

  it('break it: hash mod n moves about 3/4 of the keys, most of them between the old nodes', () => {
    const before = moduloHash(three);
    const after = before.withNode('cache-d');
    const { moved, total } = keysMoved(before, after, keys);
    expect(moved / total).toBeGreaterThan(0.7);
    expect(movesOnlyTo(before, after, 'cache-d')).toBe(false);
    const betweenOld = keys.filter((k) => before.nodeFor(k) !== after.nodeFor(k) && after.nodeFor(k) !== 'cache-d');
    expect(betweenOld.length / total).toBeGreaterThan(0.4);
  });
});

describe('removing a node', () => {
  it('on the ring moves exactly the keys the removed node owned, and nothing else', () => {
    const before = hashRing(three);
    const after = before.withoutNode('cache-b');
    const owned = keys.filter((k) => before.nodeFor(k) === 'cache-b');
    expect(keysMoved(before, after, keys).moved).toBe(owned.length);
    expect(keys.every((k) => before.nodeFor(k) === 'cache-b' || before.nodeFor(k) === after.nodeFor(k))).toBe(true);
  });

  it('with hash mod n moves about 2/3 of all keys', () => {
    const before = moduloHash(three);
    const { moved, total } = keysMoved(before, before.withoutNode('cache-b'), keys);
    expect(moved / total).toBeGreaterThan(0.6);
  });
});

describe('load spread', () => {
  const ten = Array.from({ length: 10 }, (_, i) => `node-${i}`);

  it('narrows as virtual nodes are added (10 nodes, 100,000 keys)', () => {
    const spread = [1, 10, 100, 1_000].map((vnodes) => loadSpread(hashRing(ten, { vnodes }), keys).stddevOverMean);
    expect(spread[0]).toBeGreaterThan(0.3); // one point per node: arcs of very different lengths
    for (let i = 1; i < spread.length; i++) expect(spread[i]).toBeLessThan(spread[i - 1]!);
    expect(spread[3]).toBeLessThan(0.05);
  });

  it('is near perfect for jump hash and modulo with no table at all', () => {
    expect(loadSpread(jumpHash(ten), keys).maxOverMean).toBeLessThan(1.05);
    expect(loadSpread(moduloHash(ten), keys).maxOverMean).toBeLessThan(1.05);
  });

  it('counts every key once', () => {
    const { perNode } = loadSpread(hashRing(three), keys);
    expect(Object.values(perNode).reduce((a, b) => a + b, 0)).toBe(keys.length);
  });
});

describe('jump consistent hash', () => {
  it('is monotone: growing from n to n+1 buckets keeps a key or sends it to bucket n (1..64 buckets, 5,000 keys)', () => {
    for (const key of keys.slice(0, 5_000).map(hash64)) {
      let prev = jumpBucket(key, 1);
      expect(prev).toBe(0);
      for (let n = 2; n <= 64; n++) {
        const b = jumpBucket(key, n);
        expect(b === prev || b === n - 1).toBe(true);
        prev = b;
      }
    }
  });

  it('stays in range for any 64-bit key, including 0 and 2^64 - 1', () => {
    for (const key of [0n, 1n, (1n << 63n) - 1n, (1n << 64n) - 1n])
      for (const n of [1, 2, 3, 1_000]) {
        const b = jumpBucket(key, n);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(n);
      }
  });

  it('can only drop its last node (its buckets are numbered)', () => {
    expect(jumpHash(three).withoutNode('cache-c').nodes).toEqual(['cache-a', 'cache-b']);
    expect(() => jumpHash(three).withoutNode('cache-a')).toThrow(
      'node must be the last node ("cache-c"): jump hash numbers its buckets (got "cache-a")',
    );
  });
});

it('places keys the same whatever the order the nodes were given in', () => {
  const a = hashRing(three);
  const b = hashRing([...three].reverse());
  expect(keys.slice(0, 10_000).every((k) => a.nodeFor(k) === b.nodeFor(k))).toBe(true);
});
