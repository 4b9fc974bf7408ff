// The public API of poc-resilience-backpressure: one Policy factory (admission), the fastify hooks that
// shed with 503 + Retry-After, the error and one guard. Time comes from a @poc/kit Clock; nothing connects
// at import. The naive, unbounded variant is behind 'poc-resilience-backpressure/naive'; the lab service
// (src/lab/) is not exported.
export { admission, type Admission, type AdmissionOptions, type AdmissionStats, type Release } from './admission.ts';
export { shedLoad, retryAfterSeconds, type SheddingOptions } from './fastify.ts';
export {
  BackpressureError,
  BackpressureArgumentError,
  OverloadedError,
  isBackpressureError,
  type AnyBackpressureError,
  type BackpressureErrorCode,
} from './errors.ts';
