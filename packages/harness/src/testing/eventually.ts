import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessTimeoutError, requireArg } from '../errors.ts';

export interface EventuallyOptions {
  /** Give up after this long (default 10 s). A budget for a condition to come true, not a speed check. */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  intervalMs?: number;
  /** What was awaited, for the error message. */
  what?: string;
}

/**
 * Polls `check` until it returns a value other than false/undefined without throwing, and returns
 * that value. Use it to wait for a real condition (a message arrived, a lock expired) instead of sleeping.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = options;
  requireArg(timeoutMs > 0, 'timeoutMs', `must be > 0 (got ${timeoutMs})`);
  requireArg(intervalMs > 0, 'intervalMs', `must be > 0 (got ${intervalMs})`);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : `last value: ${String(last)}`;
      throw new HarnessTimeoutError(`${what} not reached within ${timeoutMs} ms (${detail})`, { cause: last });
    }
    await sleep(intervalMs);
  }
}
