// The public API of poc-resilience-graceful-degradation: the fallback() Policy (and its typed form
// withFallback()), its error and one guard. It composes with poc-resilience-circuit-breaker's
// circuitBreaker and poc-resilience-timeouts' timeout: compose(fallback(...), breaker, timeout(...))(op).
// The naive variant is behind 'poc-resilience-graceful-degradation/naive'; the lab service is in src/lab/.
export { fallback, withFallback, type Fallback, type FallbackOptions, type FallbackStats } from './fallback.ts';
export {
  GracefulDegradationError,
  GracefulDegradationArgumentError,
  FallbackFailedError,
  isGracefulDegradationError,
  type AnyGracefulDegradationError,
  type GracefulDegradationErrorCode,
} from './errors.ts';
