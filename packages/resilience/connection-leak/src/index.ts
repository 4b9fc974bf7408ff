// The public API of poc-resilience-connection-leak: a leak detector for a pg.Pool (checkout age, with the
// stack of the leaker), the fix (withClient) and assertNoLeaks() for test suites. Time comes from a
// @poc/kit Clock; nothing connects at import. The leaky checkout is behind
// 'poc-resilience-connection-leak/naive'; the handlers in src/lab/ are not exported.
export { leakDetector, siteOf, type LeakDetector, type LeakDetectorOptions, type LeakReport } from './leak-detector.ts';
export { withClient } from './with-client.ts';
export { assertNoLeaks } from './assert-no-leaks.ts';
export {
  ConnectionLeakError,
  ConnectionLeakArgumentError,
  LeakError,
  isConnectionLeakError,
  type AnyConnectionLeakError,
  type ConnectionLeakErrorCode,
} from './errors.ts';
