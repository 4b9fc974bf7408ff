// The public API of poc-resilience-timeouts: the timeout() Policy, Deadline and its header helpers, the
// fastify hook that turns the header into a request signal, and pgQuery() that cancels on the server.
// The naive variants are behind 'poc-resilience-timeouts/naive'; the lab chain is in src/lab/.
export {
  timeout,
  Deadline,
  DEADLINE_HEADER,
  deadlineHeader,
  deadlineFromHeader,
  runWithin,
  type TimeoutOptions,
} from './timeouts.ts';
export { deadlineHook, type DeadlineHookOptions } from './fastify.ts';
export { pgQuery, sendCancelRequest, type Queryable } from './pg.ts';
export {
  TimeoutsError,
  TimeoutsArgumentError,
  TimeoutError,
  DeadlineExceededError,
  isTimeoutsError,
  type AnyTimeoutsError,
  type TimeoutsErrorCode,
} from './errors.ts';
