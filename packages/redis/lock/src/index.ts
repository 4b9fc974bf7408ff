export {
  acquire,
  tryAcquire,
  withLock,
  lockKeys,
  systemClock,
  type Lock,
  type AcquireOptions,
  type WithLockOptions,
  type Clock,
} from './lock.ts';
export { fencedStore, type FencedStore, type FencedValue } from './fenced-store.ts';
export { naiveAcquire, withNaiveLock, type NaiveLockOptions } from './naive-lock.ts';
export {
  LockError,
  LockArgumentError,
  LockTimeoutError,
  LockAbortedError,
  LockLostError,
  StaleTokenError,
  LockServiceError,
  isLockError,
  isLockLostError,
  isStaleTokenError,
  isLockServiceError,
  type LockErrorCode,
} from './errors.ts';
