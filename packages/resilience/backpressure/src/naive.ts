// The version people write first (and what p-limit does): a concurrency limit with a queue that takes
// everything. Under overload every arrival waits its turn, so the backlog, the memory it holds and the
// waiting time of each call grow for as long as arrivals outpace the service, and nobody is told to back
// off. Same interface as the pattern (its queue bound is Infinity); import it from
// 'poc-resilience-backpressure/naive'.
import type { Clock } from '@poc/kit';
import { admissionEngine, createContext, type Admission } from './admission.ts';
import { check } from './errors.ts';

export interface UnboundedAdmissionOptions {
  concurrency: number;
  clock?: Clock;
}

/** A concurrency limit whose queue has no bound and whose waits have no limit. */
export function unboundedAdmission(options: UnboundedAdmissionOptions): Admission {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const context = createContext({ ...options, queue: 0, maxQueueWaitMs: 1 });
  return admissionEngine(context, false);
}
