// The saturation alarm and Little's law as pure logic: a ManualClock drives time, samples are fed by hand,
// and every expected value is exact. Around each threshold: strictly above `waitingAbove`, a hold of
// exactly `forMs`, a clear at `clearAtOrBelow` held for `clearForMs`.
import { ManualClock } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import { littleSize, saturationAlarm, type SaturationAlarmOptions } from '../src/index.ts';
import { naiveAlarm } from '../src/naive.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Feeds `[atMs, waiting]` samples (times from T0) in order, then advances to `untilMs`; returns [state, atMs, waiting] per change. */
async function run(
  make: typeof saturationAlarm,
  options: Omit<SaturationAlarmOptions, 'clock'>,
  samples: Array<[number, number]>,
  untilMs: number,
): Promise<Array<[string, number, number]>> {
  const clock = new ManualClock(T0);
  const alarm = make({ ...options, clock });
  for (const [at, waiting] of samples) {
    await clock.advance(at - (clock.now() - T0));
    alarm.observe(waiting);
  }
  await clock.advance(untilMs - (clock.now() - T0));
  return alarm.history().map((e) => [e.state, e.at - T0, e.waiting]);
}

describe('saturationAlarm on a ManualClock', () => {
  const base = { waitingAbove: 4, forMs: 1_000 };
  const cases: Array<
    [string, Omit<SaturationAlarmOptions, 'clock'>, Array<[number, number]>, number, Array<[string, number, number]>]
  > = [
    ['at the threshold (not above) never fires', base, [[0, 4]], 10_000, []],
    ['one above the threshold, held exactly forMs, fires at forMs', base, [[0, 5]], 1_000, [['firing', 1_000, 5]]],
    ['held 1 ms less than forMs does not fire', base, [[0, 5]], 999, []],
    [
      'a dip to the threshold restarts the hold',
      base,
      [
        [0, 5],
        [999, 4],
        [1_000, 5],
      ],
      1_999,
      [],
    ],
    [
      '…and it fires forMs after the restart',
      base,
      [
        [0, 5],
        [999, 4],
        [1_000, 5],
      ],
      2_000,
      [['firing', 2_000, 5]],
    ],
    [
      'samples above during the hold do not restart it',
      base,
      [
        [0, 5],
        [500, 9],
      ],
      1_000,
      [['firing', 1_000, 9]],
    ],
    ['forMs 0 fires at the first sample above', { waitingAbove: 4, forMs: 0 }, [[7, 5]], 7, [['firing', 7, 5]]],
    [
      'clears after clearForMs at or below clearAtOrBelow',
      { ...base, clearAtOrBelow: 1, clearForMs: 2_000 },
      [
        [0, 5],
        [1_500, 1],
      ],
      3_500,
      [
        ['firing', 1_000, 5],
        ['ok', 3_500, 1],
      ],
    ],
    [
      'a dip below waitingAbove but above clearAtOrBelow does not clear (level hysteresis)',
      { ...base, clearAtOrBelow: 1, clearForMs: 2_000 },
      [
        [0, 5],
        [1_500, 2],
      ],
      60_000,
      [['firing', 1_000, 5]],
    ],
    [
      'a spike during the clear hold restarts it (time hysteresis)',
      { ...base, clearAtOrBelow: 1, clearForMs: 2_000 },
      [
        [0, 5],
        [1_500, 0],
        [3_000, 3],
        [3_100, 0],
      ],
      5_099,
      [['firing', 1_000, 5]],
    ],
    [
      '…and it clears clearForMs after the last spike',
      { ...base, clearAtOrBelow: 1, clearForMs: 2_000 },
      [
        [0, 5],
        [1_500, 0],
        [3_000, 3],
        [3_100, 0],
      ],
      5_100,
      [
        ['firing', 1_000, 5],
        ['ok', 5_100, 0],
      ],
    ],
    [
      'fires again after a clear',
      { waitingAbove: 0, forMs: 100 },
      [
        [0, 1],
        [200, 0],
        [400, 2],
      ],
      500,
      [
        ['firing', 100, 1],
        ['ok', 300, 0],
        ['firing', 500, 2],
      ],
    ],
  ];
  it.each(cases)('%s', async (_what, options, samples, until, expected) => {
    expect(await run(saturationAlarm, options, samples, until)).toEqual(expected);
  });

  it('calls onChange once per change, with the state, the time and the sample', async () => {
    const clock = new ManualClock(T0);
    const seen: string[] = [];
    const alarm = saturationAlarm({
      waitingAbove: 0,
      forMs: 10,
      clock,
      onChange: (e) => seen.push(`${e.state}@${e.at - T0}`),
    });
    alarm.observe(3);
    await clock.advance(10);
    alarm.observe(0);
    await clock.advance(10);
    expect(seen).toEqual(['firing@10', 'ok@20']);
    expect(alarm.state).toBe('ok');
  });

  it('watch() samples on the clock until stopped', async () => {
    const clock = new ManualClock(T0);
    const alarm = saturationAlarm({ waitingAbove: 2, forMs: 300, clock });
    let waiting = 5;
    const reads: number[] = [];
    const stop = alarm.watch(() => (reads.push(clock.now() - T0), waiting), 100);
    await clock.advance(300);
    expect(alarm.state).toBe('firing');
    waiting = 0; // first read at 400, held 300 ms
    await clock.advance(400);
    expect(alarm.history().map((e) => [e.state, e.at - T0])).toEqual([
      ['firing', 300],
      ['ok', 700],
    ]);
    stop();
    expect(clock.pending).toBe(0);
    expect(reads).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
  });
});

describe('break it: a bursty queue pages with the naive alarm at every spike, once with the pattern', () => {
  // A queue that spikes to 8 for 200 ms every second (a batch job), then one real 5 s saturation.
  const samples: Array<[number, number]> = [];
  for (let t = 0; t < 10_000; t += 100) samples.push([t, t % 1_000 < 200 ? 8 : 0]);
  for (let t = 10_000; t < 15_000; t += 100) samples.push([t, 8]);
  for (let t = 15_000; t < 20_000; t += 100) samples.push([t, 0]);
  const options = { waitingAbove: 4, forMs: 1_000, clearForMs: 1_000 };

  it('naive: 11 pages (one per spike plus the real one); pattern: 1 page and 1 clear', async () => {
    const naive = await run(naiveAlarm, options, samples, 20_000);
    const pattern = await run(saturationAlarm, options, samples, 20_000);
    expect(naive.filter(([s]) => s === 'firing')).toHaveLength(11);
    expect(pattern).toEqual([
      ['firing', 11_000, 8],
      ['ok', 16_000, 0],
    ]);
  });
});

describe('littleSize: L = λW, rounded up', () => {
  const cases: Array<[number, number, number | undefined, number]> = [
    [100, 50, undefined, 5], // 100/s × 0.05 s = 5
    [100, 50, 0.2, 6], // 5 × 1.2 = 6
    [100, 51, undefined, 6], // 5.1 → 6
    [400, 20, undefined, 8], // 8.000000000000002 in floating point is still 8
    [1, 1, undefined, 1], // 0.001 → at least 1
    [1_000, 250, 0.5, 375],
  ];
  it.each(cases)('λ=%d/s, W=%d ms, headroom %s → %d', (arrivalRate, serviceTimeMs, headroom, size) => {
    expect(littleSize({ arrivalRate, serviceTimeMs, ...(headroom === undefined ? {} : { headroom }) })).toBe(size);
  });
});
