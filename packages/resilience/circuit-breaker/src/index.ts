// The public API of poc-resilience-circuit-breaker: one Policy factory with its strategies as data, its
// error and one guard. Time comes from a @poc/kit Clock; nothing connects at import. The naive variant is
// behind the subpath 'poc-resilience-circuit-breaker/naive'; the lab service (src/lab/) is not exported.
export {
  circuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  type CircuitState,
  type StateListener,
} from './circuit-breaker.ts';
export type { BreakerStrategy, ConsecutiveStrategy, RateStrategy, WindowSnapshot } from './strategies.ts';
export {
  CircuitBreakerError,
  CircuitBreakerArgumentError,
  CircuitOpenError,
  isCircuitBreakerError,
  type AnyCircuitBreakerError,
  type CircuitBreakerErrorCode,
} from './errors.ts';
