// Windows and the counting step, pure (no Kafka here): the pattern (src/processor.ts) and the naive
// version (src/naive.ts) count with the same code and differ only in where the counts live and when
// they become durable.
import { check } from './errors.ts';

/** [start, end) in event time, epoch milliseconds. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** How events are grouped in time. Build one with tumblingWindow() or hoppingWindow(). */
export interface WindowSpec {
  /** Names the spec in state ids, output records and the changelog: unique among a processor's windows. */
  readonly name: string;
  readonly sizeMs: number;
  /** Distance between window starts: sizeMs for tumbling windows, less for hopping (overlapping) ones. */
  readonly advanceMs: number;
  /** The windows that contain event time `time`, oldest first. Starts are multiples of advanceMs from the epoch. */
  windowsOf(time: number): Window[];
}

function windowSpec(name: string, sizeMs: number, advanceMs: number): WindowSpec {
  return {
    name,
    sizeMs,
    advanceMs,
    windowsOf(time) {
      const last = Math.floor(time / advanceMs) * advanceMs; // the latest start at or before `time`
      const windows: Window[] = [];
      for (let start = last; start > time - sizeMs; start -= advanceMs) windows.push({ start, end: start + sizeMs });
      return windows.reverse();
    },
  };
}

/** Back-to-back windows of `sizeMs`: each event is in exactly one. */
export function tumblingWindow(sizeMs: number, name = `tumbling-${sizeMs}ms`): WindowSpec {
  check.positiveInt('sizeMs', sizeMs);
  check.name('name', name);
  return windowSpec(name, sizeMs, sizeMs);
}

/** Windows of `sizeMs` starting every `advanceMs`: each event is in ceil(sizeMs / advanceMs) of them (or floor). */
export function hoppingWindow(
  sizeMs: number,
  advanceMs: number,
  name = `hopping-${sizeMs}ms-every-${advanceMs}ms`,
): WindowSpec {
  check.positiveInt('sizeMs', sizeMs);
  check.positiveInt('advanceMs', advanceMs);
  check.that(advanceMs <= sizeMs, 'advanceMs', `must be at most sizeMs (${sizeMs})`, advanceMs);
  check.name('name', name);
  return windowSpec(name, sizeMs, advanceMs);
}

/** The count of one key in one window: what the processor keeps, emits and writes to its changelog. */
export interface WindowCount {
  window: string;
  key: string;
  start: number;
  end: number;
  count: number;
}

/** A count in the processor's state, with the input partition it came from (its changelog partition). */
export interface StateEntry extends WindowCount {
  partition: number;
}

/** The processor's state: counts by stateId(). */
export type CountState = Map<string, StateEntry>;

/** The id of a count: the changelog's and the output topic's record key. */
export const stateId = (window: string, key: string, start: number): string => JSON.stringify([window, key, start]);

/** One input message, as the counting step sees it. `time` is NaN when no event time could be read. */
export interface InputEvent {
  key: string | null;
  time: number;
  partition: number;
  offset: string;
}

/** An update of a count, as emitted on the output topic. */
export interface WindowResult extends WindowCount {
  /** The window had already ended (by the processor's clock) when this count was emitted: it revises one seen before. */
  correction: boolean;
}

/**
 * An event that was not counted (or not in every window it belongs to), as written to the late-events
 * topic: 'late' when a window it belongs to had closed (end + grace <= now), 'no-key' or 'bad-time'
 * when it cannot be counted at all.
 */
export interface RejectedEvent {
  reason: 'late' | 'no-key' | 'bad-time';
  key: string | null;
  time: number | null;
  partition: number;
  offset: string;
  /** The processor's clock when it decided. */
  now: number;
  /** 'late': the closed windows it missed (it was counted in the others it belongs to). */
  missed: Array<{ window: string; start: number; end: number }>;
}

export interface CountRules {
  windows: readonly WindowSpec[];
  graceMs: number;
  /** The processor's notion of now: a window accepts events while now < end + graceMs. */
  now: number;
}

/** What one batch of events changes: nothing is applied until the caller has made it durable. */
export interface CountStep {
  /** New values, one per count touched by the batch. */
  updated: StateEntry[];
  /** The same, as output records. */
  results: WindowResult[];
  rejected: RejectedEvent[];
  /** Counts whose window has closed: dropped from the state (a tombstone in the changelog). */
  closed: StateEntry[];
}

/** Counts a batch of events against `state` (left unchanged: apply the step with applyStep()). */
export function countEvents(
  state: ReadonlyMap<string, StateEntry>,
  events: readonly InputEvent[],
  rules: CountRules,
): CountStep {
  const { windows, graceMs, now } = rules;
  const touched = new Map<string, StateEntry>();
  const rejected: RejectedEvent[] = [];
  for (const e of events) {
    const reject = (reason: RejectedEvent['reason'], missed: RejectedEvent['missed'] = []): void =>
      void rejected.push({
        reason,
        key: e.key,
        time: Number.isFinite(e.time) ? e.time : null,
        partition: e.partition,
        offset: e.offset,
        now,
        missed,
      });
    if (e.key === null) {
      reject('no-key');
      continue;
    }
    if (!Number.isFinite(e.time)) {
      reject('bad-time');
      continue;
    }
    const missed: RejectedEvent['missed'] = [];
    for (const spec of windows) {
      for (const w of spec.windowsOf(e.time)) {
        if (now >= w.end + graceMs) {
          missed.push({ window: spec.name, start: w.start, end: w.end });
          continue;
        }
        const id = stateId(spec.name, e.key, w.start);
        const before = touched.get(id) ?? state.get(id);
        const count = (before?.count ?? 0) + 1;
        touched.set(id, { window: spec.name, key: e.key, start: w.start, end: w.end, count, partition: e.partition });
      }
    }
    if (missed.length > 0) reject('late', missed);
  }
  const closed: StateEntry[] = [];
  for (const [id, entry] of state) if (now >= entry.end + graceMs && !touched.has(id)) closed.push(entry);
  const updated = [...touched.values()];
  const results = updated.map(({ partition: _, ...count }) => ({ ...count, correction: now >= count.end }));
  return { updated, results, rejected, closed };
}

/** Applies a step once it is durable: new counts in, closed windows out. */
export function applyStep(state: CountState, step: CountStep): void {
  for (const e of step.updated) state.set(stateId(e.window, e.key, e.start), e);
  for (const e of step.closed) state.delete(stateId(e.window, e.key, e.start));
}
