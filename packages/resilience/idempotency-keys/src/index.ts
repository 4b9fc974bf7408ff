// The public API of poc-resilience-idempotency-keys: one route-wrapper factory, its types, its errors and
// one guard. It takes its pg.Pool, options and a Clock from @poc/kit; nothing connects at import. The naive
// variants are behind the subpath 'poc-resilience-idempotency-keys/naive'; the lab service (src/lab/) is
// not exported.
export {
  idempotent,
  defaultFingerprint,
  HEADER,
  REPLAYED_HEADER,
  MAX_KEY_LENGTH,
  type Idempotent,
  type IdempotentHandler,
  type IdempotentOptions,
  type IdempotentRoute,
  type StoredResponse,
} from './idempotent.ts';
export {
  IdempotencyKeysError,
  IdempotencyKeysArgumentError,
  IdempotencyKeysServiceError,
  isIdempotencyKeysError,
  type AnyIdempotencyKeysError,
  type IdempotencyKeysErrorCode,
} from './errors.ts';
