// The public API of poc-redis-lua-token-bucket: one factory, its types, its errors and one guard. Nothing
// connects at import. The naive version is behind the subpath 'poc-redis-lua-token-bucket/naive'.
export { tokenBucket, type Rate, type TakeResult, type TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export {
  TokenBucketError,
  TokenBucketArgumentError,
  TokenBucketServiceError,
  isTokenBucketError,
  type AnyTokenBucketError,
  type TokenBucketErrorCode,
} from './errors.ts';
