// The public API of poc-caching-multi-layer: an in-process L1 (lru-cache) over a Redis L2 around any
// loader, with L1 invalidations broadcast on pub/sub and replayed from a capped stream after a lost
// subscription. The naive variant (pub/sub only) is behind 'poc-caching-multi-layer/naive'; the
// cache-manager peer (src/peer.ts), the PostgreSQL fixture (src/items.ts) and the process script
// (src/node.ts) are imported by path.
export {
  multiLayerCache,
  type GetOptions,
  type InvalidationEvent,
  type Layer,
  type Loader,
  type MultiLayerCache,
  type MultiLayerOptions,
  type MultiLayerStats,
  type SubscriptionState,
} from './multi-layer.ts';
export { compareIds, type StreamId } from './stream-id.ts';
export {
  MultiLayerError,
  MultiLayerArgumentError,
  MultiLayerServiceError,
  isMultiLayerError,
  type AnyMultiLayerError,
  type MultiLayerErrorCode,
} from './errors.ts';
