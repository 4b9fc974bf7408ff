// The naive version: hash(key) mod n. Every node gets its share and lookup is one division, but the
// owner of almost every key depends on n: adding a 4th server to 3 moves about 3/4 of the keys, and
// removing one moves about 2/3, so a cache sharded this way loses most of its hits at every change.
// Same interface as the sharders in src/sharders.ts; import it from 'poc-caching-consistent-hashing/naive'.
import { checkNodes, hash32, type Sharder } from './sharders.ts';
import { check } from './errors.ts';

export function moduloHash(nodes: readonly string[]): Sharder {
  checkNodes(nodes);
  return {
    kind: 'modulo',
    nodes: [...nodes],
    nodeFor: (key) => nodes[hash32(key) % nodes.length]!,
    withNode(node) {
      check.name('node', node);
      check.that(!nodes.includes(node), 'node', 'must not be in the ring already', node);
      return moduloHash([...nodes, node]);
    },
    withoutNode(node) {
      check.that(nodes.includes(node), 'node', 'must be one of the nodes', node);
      check.that(nodes.length > 1, 'node', 'must not be the last node', node);
      return moduloHash(nodes.filter((n) => n !== node));
    },
  };
}
