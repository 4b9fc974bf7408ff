export {
  slidingWindowLog,
  slidingWindowCounter,
  fixedWindow,
  systemClock,
  type Algorithm,
  type Clock,
  type LimiterOptions,
  type RateLimiter,
  type RateLimitResult,
} from './limiters.ts';
export { naiveSlidingWindowLog } from './naive.ts';
export {
  RateLimitError,
  RateLimitArgumentError,
  RateLimitServiceError,
  isRateLimitError,
  isRateLimitArgumentError,
  isRateLimitServiceError,
  type RateLimitErrorCode,
} from './errors.ts';
