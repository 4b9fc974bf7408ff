// poc-redis-counter: atomic and expiring counters in Redis, and a SQL counter row to compare them with.
// The read-modify-write counter they replace is in 'poc-redis-counter/naive'.
export {
  counters,
  expiringCounters,
  type CounterOptions,
  type Counters,
  type ExpiringCounterOptions,
  type ExpiringCounters,
  type WindowCount,
} from './counter.ts';
export { sqlCounter, type SqlCounter } from './sql-counter.ts';
export {
  CounterArgumentError,
  CounterError,
  CounterServiceError,
  isCounterError,
  type AnyCounterError,
  type CounterErrorCode,
} from './errors.ts';
