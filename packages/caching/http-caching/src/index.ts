// The public API of poc-caching-http-caching: validators and conditional GETs (RFC 9110), Cache-Control
// policies as data, and a cacheable resource around any loader with its fastify route. The naive variant
// is behind 'poc-caching-http-caching/naive'; the lab's origin (src/origin.ts) and workload
// (src/workload.ts) are fixtures, imported by path.
export {
  entityTag,
  evaluatePreconditions,
  httpDate,
  parseEntityTags,
  strongMatch,
  weakMatch,
  type ConditionalHeaders,
  type Precondition,
  type Validators,
} from './conditional.ts';
export { cacheControl, type CachePolicy } from './policy.ts';
export {
  cachedResource,
  cachedRoute,
  type CachedResource,
  type CachedResourceOptions,
  type Entity,
  type GetOptions,
  type Loader,
  type ResourceReply,
} from './http-caching.ts';
export {
  HttpCachingError,
  HttpCachingArgumentError,
  HttpCachingServiceError,
  isHttpCachingError,
  type AnyHttpCachingError,
  type HttpCachingErrorCode,
} from './errors.ts';
