// The naive two-layer cache: L1 invalidated by pub/sub alone. Pub/sub is fire-and-forget: a message
// published while a process's subscriber connection is down is never delivered to it, and ioredis's
// automatic resubscribe does not bring it back. That process keeps serving the old value from L1 until
// its TTL, after the link is back (test/multi-layer.test.ts, "Break it" in the README). Same options
// and interface as multiLayerCache: only the replay is missing.
import { createMultiLayer, type MultiLayerCache, type MultiLayerOptions } from './multi-layer.ts';

export function naiveMultiLayerCache<V>(options: MultiLayerOptions<V>): MultiLayerCache<V> {
  return createMultiLayer(options, { replay: false });
}
