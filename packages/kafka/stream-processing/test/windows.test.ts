// The pure part (no Kafka): which windows an event falls in, and where grace ends. Expected values are
// written out by hand, not derived from the code under test.
import { describe, expect, it } from 'vitest';
import { hoppingWindow, tumblingWindow } from '../src/index.ts';
import { countEvents, stateId, type InputEvent } from '../src/windows.ts';

const ev = (key: string | null, time: number, offset = '0'): InputEvent => ({ key, time, partition: 0, offset });

describe('window assignment', () => {
  const tumbling = tumblingWindow(60_000);
  const hopping = hoppingWindow(60_000, 20_000);
  const uneven = hoppingWindow(60_000, 25_000); // the advance does not divide the size
  const cases: Array<[string, () => unknown, unknown]> = [
    ['tumbling, inside', () => tumbling.windowsOf(61_000), [{ start: 60_000, end: 120_000 }]],
    ['tumbling, on a start (inclusive)', () => tumbling.windowsOf(120_000), [{ start: 120_000, end: 180_000 }]],
    ['tumbling, just before an end (exclusive)', () => tumbling.windowsOf(119_999), [{ start: 60_000, end: 120_000 }]],
    ['tumbling, before the epoch', () => tumbling.windowsOf(-1), [{ start: -60_000, end: 0 }]],
    [
      'hopping, in three windows',
      () => hopping.windowsOf(65_000),
      [
        { start: 20_000, end: 80_000 },
        { start: 40_000, end: 100_000 },
        { start: 60_000, end: 120_000 },
      ],
    ],
    [
      'hopping, on a start',
      () => hopping.windowsOf(60_000),
      [
        { start: 20_000, end: 80_000 },
        { start: 40_000, end: 100_000 },
        { start: 60_000, end: 120_000 },
      ],
    ],
    [
      'hopping with an uneven advance: in two or three windows',
      () => [uneven.windowsOf(50_000), uneven.windowsOf(60_000)],
      [
        [
          { start: 0, end: 60_000 },
          { start: 25_000, end: 85_000 },
          { start: 50_000, end: 110_000 },
        ],
        [
          { start: 25_000, end: 85_000 },
          { start: 50_000, end: 110_000 },
        ],
      ],
    ],
    ['default names', () => [tumbling.name, hopping.name], ['tumbling-60000ms', 'hopping-60000ms-every-20000ms']],
  ];
  it.each(cases)('%s', (_what, run, expected) => {
    expect(run()).toEqual(expected);
  });
});

describe('grace', () => {
  const windows = [tumblingWindow(60_000, 't')];
  const id = stateId('t', 'k', 0);
  it('accepts an event until end + grace (exclusive), marking it a correction once the window has ended', () => {
    const before = countEvents(new Map(), [ev('k', 30_000)], { windows, graceMs: 10_000, now: 59_999 });
    expect(before.results).toEqual([{ window: 't', key: 'k', start: 0, end: 60_000, count: 1, correction: false }]);
    const atEnd = countEvents(new Map(), [ev('k', 30_000)], { windows, graceMs: 10_000, now: 60_000 });
    expect(atEnd.results.map((r) => r.correction)).toEqual([true]);
    const lastMoment = countEvents(new Map(), [ev('k', 30_000)], { windows, graceMs: 10_000, now: 69_999 });
    expect(lastMoment.updated.map((e) => e.count)).toEqual([1]);
    const closed = countEvents(new Map(), [ev('k', 30_000, '7')], { windows, graceMs: 10_000, now: 70_000 });
    expect(closed.updated).toEqual([]);
    expect(closed.rejected).toEqual([
      {
        reason: 'late',
        key: 'k',
        time: 30_000,
        partition: 0,
        offset: '7',
        now: 70_000,
        missed: [{ window: 't', start: 0, end: 60_000 }],
      },
    ]);
  });

  it('drops counts whose window closed from the state, and leaves the state it was given untouched', () => {
    const state = new Map([[id, { window: 't', key: 'k', start: 0, end: 60_000, count: 4, partition: 0 }]]);
    const open = countEvents(state, [], { windows, graceMs: 10_000, now: 69_999 });
    expect(open.closed).toEqual([]);
    const step = countEvents(state, [ev('k', 65_000)], { windows, graceMs: 10_000, now: 70_000 });
    expect(step.closed.map((e) => e.count)).toEqual([4]);
    expect(step.updated.map((e) => [e.start, e.count])).toEqual([[60_000, 1]]);
    expect(state.get(id)?.count).toBe(4);
  });

  it('counts several events of a batch into one update per window', () => {
    const step = countEvents(new Map(), [ev('k', 1_000), ev('k', 2_000), ev('j', 3_000)], {
      windows,
      graceMs: 0,
      now: 0,
    });
    expect(step.updated.map((e) => [e.key, e.count])).toEqual([
      ['k', 2],
      ['j', 1],
    ]);
  });
});
