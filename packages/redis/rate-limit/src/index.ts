export {
  slidingWindowLog,
  slidingWindowCounter,
  fixedWindow,
  type Algorithm,
  type LimiterOptions,
  type RateLimiter,
  type RateLimitResult,
} from './limiters.ts';
export {
  RateLimitError,
  RateLimitArgumentError,
  RateLimitServiceError,
  isRateLimitError,
  type RateLimitErrorCode,
} from './errors.ts';
