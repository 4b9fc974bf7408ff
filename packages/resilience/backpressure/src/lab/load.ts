// An open-loop load generator: requests leave at a fixed rate whatever happens to the earlier ones (the
// arrivals of real users), unlike a closed loop (autocannon's default, a fixed number of connections each
// waiting for its answer), which slows down with the service and so never overloads it. Bounded in time:
// arrivals stop after `durationMs`; requests still unanswered `graceMs` later are aborted and counted.
import { setMaxListeners } from 'node:events';

export interface Answer {
  status: number;
  /** The Retry-After header, when there was one. */
  retryAfter: string | null;
  /** From the request's scheduled send time to its answer (includes any lag of the generator). */
  latencyMs: number;
}

export interface LoadResult {
  sent: number;
  answers: Answer[];
  /** Requests still unanswered at the end of the grace period (aborted then). */
  unanswered: number;
  /** Requests that failed without an HTTP answer (reset, refused) before the grace period ended. */
  failed: number;
}

export interface OpenLoopOptions {
  url: string;
  ratePerSec: number;
  durationMs: number;
  graceMs: number;
  /** Called after each tick with the number sent so far (the demo and tests sample the service here). */
  onTick?: (sent: number) => void;
}

const TICK_MS = 5;

export async function openLoop(options: OpenLoopOptions): Promise<LoadResult> {
  const { url, ratePerSec, durationMs, graceMs } = options;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per request in flight
  const answers: Answer[] = [];
  let failed = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const send = (scheduledAt: number): void => {
    const p = fetch(url, { signal: stop.signal })
      .then(async (res) => {
        await res.arrayBuffer();
        answers.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          latencyMs: performance.now() - scheduledAt,
        });
      })
      .catch(() => {
        if (!stop.signal.aborted) failed++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  for (;;) {
    const elapsed = performance.now() - start;
    const due = Math.min(
      Math.floor((Math.min(elapsed, durationMs) * ratePerSec) / 1000),
      Math.floor((durationMs * ratePerSec) / 1000),
    );
    while (sent < due) {
      send(start + (sent * 1000) / ratePerSec);
      sent++;
    }
    options.onTick?.(sent);
    if (elapsed >= durationMs) break;
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const graceOver = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([Promise.all([...inFlight]), graceOver]);
  const unanswered = inFlight.size;
  stop.abort();
  await Promise.all([...inFlight]);
  return { sent, answers, unanswered, failed };
}

/** Capacity, measured: `callers` closed-loop callers for `durationMs`; returns answers (200) per second. */
export async function measureCapacity(url: string, callers: number, durationMs: number): Promise<number> {
  const start = performance.now();
  let ok = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() - start < durationMs) {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) ok++;
      }
    }),
  );
  return (ok * 1000) / (performance.now() - start);
}
