// A saturation alarm with hysteresis: it fires when more than `waitingAbove` callers have been queued for
// the pool for `forMs` without a break, and clears only after the queue has stayed at or below
// `clearAtOrBelow` for `clearForMs`. A queue that spikes for a moment, or hovers at the threshold,
// pages nobody; one sustained saturation pages once and clears once. Time comes from the Clock: a
// timer scheduled when a condition starts decides it, so no further sample is needed to fire or clear.
import { systemClock, type Clock } from '@poc/kit';
import { check, hasMethods } from './errors.ts';

export type AlarmState = 'ok' | 'firing';

export interface AlarmEvent {
  state: AlarmState;
  /** clock.now() when the state changed. */
  at: number;
  /** The latest sample when it changed. */
  waiting: number;
}

export interface SaturationAlarmOptions {
  /** Fires when the waiting count stays strictly above this... */
  waitingAbove: number;
  /** ...for this long, in ms (0: at the first sample above). */
  forMs: number;
  /** Clears when the waiting count stays at or below this (default waitingAbove; lower = level hysteresis)... */
  clearAtOrBelow?: number;
  /** ...for this long, in ms (default forMs). */
  clearForMs?: number;
  clock?: Clock;
  /** Called on every change of state. */
  onChange?: (event: AlarmEvent) => void;
}

export interface SaturationAlarm {
  /** Feeds one sample of the pool's waiting count (at clock.now()); returns the state after it. */
  observe(waiting: number): AlarmState;
  readonly state: AlarmState;
  /** Every change so far, oldest first. */
  history(): AlarmEvent[];
  /** Samples `read()` every `everyMs` on the clock until the returned function is called. */
  watch(read: () => number, everyMs: number): () => void;
}

/** Checks the options (an ArgumentError names the one that is wrong); shared with the naive alarm. */
export function alarmOptions(options: SaturationAlarmOptions) {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const {
    waitingAbove,
    forMs,
    clearAtOrBelow = waitingAbove,
    clearForMs = forMs,
    clock = systemClock,
    onChange,
  } = options;
  check.nonNegativeInt('options.waitingAbove', waitingAbove);
  check.nonNegativeInt('options.forMs', forMs);
  check.nonNegativeInt('options.clearAtOrBelow', clearAtOrBelow);
  check.that(
    clearAtOrBelow <= waitingAbove,
    'options.clearAtOrBelow',
    `must be <= options.waitingAbove (${waitingAbove})`,
    clearAtOrBelow,
  );
  check.nonNegativeInt('options.clearForMs', clearForMs);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  if (onChange !== undefined) check.fn('options.onChange', onChange);
  return { waitingAbove, forMs, clearAtOrBelow, clearForMs, clock, onChange };
}

/** Sampling on the clock, shared with the naive alarm. */
export function watchOn(
  clock: Clock,
  observe: (waiting: number) => unknown,
  read: () => number,
  everyMs: number,
): () => void {
  check.fn('read', read);
  check.positiveInt('everyMs', everyMs);
  let stopped = false;
  let cancel = (): void => {};
  const tick = (): void => {
    if (stopped) return;
    observe(read());
    cancel = clock.schedule(tick, everyMs);
  };
  tick();
  return () => {
    stopped = true;
    cancel();
  };
}

export function saturationAlarm(options: SaturationAlarmOptions): SaturationAlarm {
  const o = alarmOptions(options);
  let state: AlarmState = 'ok';
  let latest = 0;
  const events: AlarmEvent[] = [];
  let cancelPending: (() => void) | undefined; // the timer of the condition now running, if any

  const change = (to: AlarmState): void => {
    cancelPending = undefined;
    state = to;
    const event = { state: to, at: o.clock.now(), waiting: latest };
    events.push(event);
    o.onChange?.(event);
  };
  // True while the latest sample argues for leaving the current state.
  const pressing = (): boolean => (state === 'ok' ? latest > o.waitingAbove : latest <= o.clearAtOrBelow);

  function observe(waiting: number): AlarmState {
    check.nonNegativeInt('waiting', waiting);
    latest = waiting;
    if (!pressing()) {
      cancelPending?.();
      cancelPending = undefined;
      return state;
    }
    if (cancelPending) return state; // the condition is already timed
    const holdMs = state === 'ok' ? o.forMs : o.clearForMs;
    const to: AlarmState = state === 'ok' ? 'firing' : 'ok';
    if (holdMs === 0) change(to);
    else cancelPending = o.clock.schedule(() => change(to), holdMs);
    return state;
  }

  return {
    observe,
    get state() {
      return state;
    },
    history: () => events.slice(),
    watch: (read, everyMs) => watchOn(o.clock, observe, read, everyMs),
  };
}
