// Shared by the tests: messages with known ids, and the broker's own process (src/broker-process.ts).
import type { OutgoingMessage } from '../src/index.ts';

export { brokerProcess } from '../src/broker-process.ts';

/** `count` messages of `size` bytes, ids `${prefix}-0` ... in order. */
export const outgoing = (prefix: string, count: number, size = 64): OutgoingMessage[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, body: Buffer.alloc(size, i % 256) }));
