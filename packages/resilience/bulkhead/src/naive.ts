// The naive version: no compartment at all. Every call goes straight to the dependency, so calls pile
// up on the resource every dependency shares (here the process's sockets): a slow dependency holds them
// all and a fast one waits behind it. Same options and shape as the pattern (the counters are kept so
// tests compare like with like); `limit` and `queue` are checked and then ignored. Not exported from the
// main entry: import it from 'poc-resilience-bulkhead/naive'.
import type { Operation } from '@poc/kit';
import { checkOptions, type Bulkhead, type BulkheadOptions, type BulkheadStats } from './bulkhead.ts';
import { check } from './errors.ts';

export function unbounded(options: BulkheadOptions): Bulkhead {
  const { name, limit, queue } = checkOptions(options);
  const stats: Omit<BulkheadStats, 'queued'> = { active: 0, rejected: 0, abandoned: 0, completed: 0 };
  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      stats.active++;
      try {
        return await operation(signal);
      } finally {
        stats.active--;
        stats.completed++;
      }
    };
  };
  return Object.assign(Object.defineProperty(policy, 'name', { value: name }), {
    limit,
    queue,
    stats: (): BulkheadStats => ({ ...stats, queued: 0 }),
  });
}
