// The public API of poc-resilience-pool-sizing: pool metrics in Prometheus format for a pg.Pool, the
// pool size Little's law predicts, and a saturation alarm with hysteresis. Time comes from a @poc/kit
// Clock; nothing connects at import. The naive alarm is behind 'poc-resilience-pool-sizing/naive'.
export {
  poolMetrics,
  readMetric,
  preciseClock,
  PG_CHECKOUT_TIMEOUT,
  DEFAULT_WAIT_BUCKETS,
  type PoolMetrics,
  type PoolMetricsOptions,
  type PoolSnapshot,
} from './pool-metrics.ts';
export { littleSize, type LittleSizeOptions } from './little.ts';
export {
  saturationAlarm,
  type AlarmEvent,
  type AlarmState,
  type SaturationAlarm,
  type SaturationAlarmOptions,
} from './alarm.ts';
export {
  PoolSizingError,
  PoolSizingArgumentError,
  isPoolSizingError,
  type AnyPoolSizingError,
  type PoolSizingErrorCode,
} from './errors.ts';
