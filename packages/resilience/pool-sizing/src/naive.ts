// The naive alarm: what a dashboard rule without a hold time gives, "page when waiting > N". It has the
// same options and interface as saturationAlarm() (forMs and the clear settings are accepted and
// ignored), so tests and the demo feed both the same samples: under a bursty queue it fires and clears
// at every spike. Not exported from the main entry: import it from 'poc-resilience-pool-sizing/naive'.
import {
  alarmOptions,
  watchOn,
  type AlarmEvent,
  type AlarmState,
  type SaturationAlarm,
  type SaturationAlarmOptions,
} from './alarm.ts';
import { check } from './errors.ts';

export function naiveAlarm(options: SaturationAlarmOptions): SaturationAlarm {
  const o = alarmOptions(options);
  let state: AlarmState = 'ok';
  const events: AlarmEvent[] = [];
  function observe(waiting: number): AlarmState {
    check.nonNegativeInt('waiting', waiting);
    const next: AlarmState = waiting > o.waitingAbove ? 'firing' : 'ok';
    if (next !== state) {
      state = next;
      const event = { state, at: o.clock.now(), waiting };
      events.push(event);
      o.onChange?.(event);
    }
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
