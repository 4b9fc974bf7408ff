export {
  acquire,
  tryAcquire,
  withLock,
  lockKeys,
  type Lock,
  type AcquireOptions,
  type WithLockOptions,
} from './lock.ts';
export { fencedStore, type FencedStore, type FencedValue } from './fenced-store.ts';
export {
  LockError,
  LockArgumentError,
  LockTimeoutError,
  LockAbortedError,
  LockLostError,
  StaleTokenError,
  LockServiceError,
  isLockError,
  type AnyLockError,
  type LockErrorCode,
} from './errors.ts';
