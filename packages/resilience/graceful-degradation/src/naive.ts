// What people write first: a try/catch around the call that returns the fallback on any error. It works
// while the dependency fails fast (a refused connection), and does nothing when it hangs: no error ever
// comes, so the fallback never runs and every caller waits as long as the dependency does. It also falls
// back for a caller who has already left, and counts nothing. Same options as fallback(); import it from
// 'poc-resilience-graceful-degradation/naive'. The pattern is not a better catch: it is the composition
// compose(fallback, circuitBreaker, timeout).
import type { Operation, Policy } from '@poc/kit';
import { check } from './errors.ts';
import type { FallbackOptions } from './fallback.ts';

export function naiveFallback<F>(options: FallbackOptions<F>): Policy {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.to', options.to);
  const { to } = options;
  return <T>(operation: Operation<T>): Operation<T> =>
    async (signal) => {
      try {
        return await operation(signal);
      } catch (error) {
        return (await to(error, signal)) as unknown as T;
      }
    };
}
