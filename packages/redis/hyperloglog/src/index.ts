export {
  hyperLogLog,
  exactSet,
  relativeError,
  HLL_REGISTERS,
  HLL_STANDARD_ERROR,
  type UniqueCounter,
  type CounterOptions,
  type AddResult,
} from './counter.ts';
export {
  CounterError,
  CounterArgumentError,
  CounterServiceError,
  isCounterError,
  type AnyCounterError,
  type CounterErrorCode,
} from './errors.ts';
