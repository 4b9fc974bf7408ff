// The naive limiter, for "Break it": a fixed window counted in this process's memory. Correct for one
// instance, wrong for N: behind a load balancer each instance sees only its share of a client's
// requests, so N instances admit up to N x limit. Not in the package index: server.ts builds it when
// RATE_ALGORITHM=per-instance. Do not use.
import { systemClock, type Clock } from '@poc/kit';
import type { AppLimiter } from './app.ts';
import { check } from './errors.ts';

export function perInstanceLimiter(options: { limit: number; windowMs: number; clock?: Clock }): AppLimiter {
  const { limit, windowMs, clock = systemClock } = options;
  check.positiveInt('limit', limit);
  check.positiveInt('windowMs', windowMs);
  const windows = new Map<string, { start: number; count: number }>();
  return {
    windowMs,
    consume(key) {
      const now = clock.now();
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) windows.set(key, (w = { start: now, count: 0 }));
      const allowed = w.count < limit;
      if (allowed) w.count++;
      const resetMs = w.start + windowMs - now;
      return Promise.resolve({
        allowed,
        limit,
        remaining: limit - w.count,
        retryAfterMs: allowed ? 0 : resetMs,
        resetMs,
      });
    },
  };
}
