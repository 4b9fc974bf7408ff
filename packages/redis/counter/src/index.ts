// poc-redis-counter: atomic and expiring counters in Redis, against read-modify-write and a SQL counter row.
export {
  counters,
  expiringCounters,
  naiveIncrement,
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
  isCounterArgumentError,
  isCounterError,
  isCounterServiceError,
  type CounterErrorCode,
} from './errors.ts';
