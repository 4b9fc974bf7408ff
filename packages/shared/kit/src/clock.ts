// One clock for the whole repo, so one fake clock drives a composed system (a rate limiter, a cache
// and a queue wired into one app see the same time). now() is wall-clock epoch milliseconds: the
// value POCs store in Redis or PostgreSQL and compare across processes. Durations inside one process
// that must not jump with NTP can still use performance.now(); nothing stored should.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` if the signal aborts first (or already has). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` after `ms`; returns a function that cancels the call. */
  schedule(fn: () => void, ms: number): () => void;
}

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('The operation was aborted', 'AbortError');

/** Sleep on top of any schedule(): the one place abort handling lives. */
function sleepOn(schedule: Clock['schedule'], ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(abortReason(signal!));
    };
    const cancel = schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  sleep: (ms, signal) => sleepOn(systemClock.schedule, ms, signal),
};

/**
 * A clock that reads `offsetMs` ahead of `clock` (behind when negative): one client's skewed wall clock,
 * for tests of code that compares times written by several processes. Sleeping is not affected.
 */
export function skewedClock(clock: Clock, offsetMs: number): Clock {
  return {
    now: () => clock.now() + offsetMs,
    sleep: (ms, signal) => clock.sleep(ms, signal),
    schedule: (fn, ms) => clock.schedule(fn, ms),
  };
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told, for tests of pure logic (state machines, schedules). Timers fire
 * in time order during advance(), each with now() set to its due time; timers scheduled by a timer that
 * fall inside the advanced window fire too.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  /** Starts at `start` epoch ms (default 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn((fn, delay) => this.schedule(fn, delay), ms, signal);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their promise callbacks run. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0 (got ${ms})`);
    const until = this.time + ms;
    for (;;) {
      await settle();
      const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
    await settle();
  }
}

/** Lets pending promise callbacks (and what they chain) run before time moves on. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
