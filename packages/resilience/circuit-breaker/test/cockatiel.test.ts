// Differential tests: the same outcome sequence, at the same instants, fed to this breaker and to
// cockatiel's (the peer library), comparing after every call what the caller saw and the state. cockatiel
// takes no clock (its breakers read Date.now()), so only `Date` is faked here, with vitest's fake timers
// (vi.setSystemTime), while this breaker reads a ManualClock moved to the same instant; every call is
// awaited before the next, so both see one sequential stream of outcomes. Each row also states the
// expected trace, so an agreement on a wrong answer fails too.
import { ManualClock, execute } from '@poc/kit';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker as cockatielBreaker,
  handleAll,
  type IBreaker,
} from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { circuitBreaker, isCircuitBreakerError, type BreakerStrategy } from '../src/index.ts';

const START = Date.UTC(2026, 0, 1);
const HALF_OPEN_AFTER = 1000;

/** At `at` ms after the start, a call whose dependency answers ('ok') or fails ('fail'). */
type Step = [at: number, dependency: 'ok' | 'fail'];
/** What the caller saw and the state after the call: 'ok:closed', 'fail:open', 'refused:open'... */
type Trace = string[];

const cockatielStates: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

beforeEach(() => vi.useFakeTimers({ toFake: ['Date'], now: START }));
afterEach(() => vi.useRealTimers());

const run = (dependency: 'ok' | 'fail') => async () => {
  if (dependency === 'fail') throw new Error('down');
  return 'ok';
};

async function pocTrace(strategy: BreakerStrategy, steps: Step[]): Promise<Trace> {
  const clock = new ManualClock(START);
  const breaker = circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
  const trace: Trace = [];
  for (const [at, dependency] of steps) {
    await clock.advance(START + at - clock.now());
    const seen = await execute(breaker(run(dependency))).then(
      () => 'ok',
      (e: unknown) => (isCircuitBreakerError(e, 'open') ? 'refused' : 'fail'),
    );
    trace.push(`${seen}:${breaker.state()}`);
  }
  return trace;
}

async function cockatielTrace(breakerStrategy: () => IBreaker, steps: Step[]): Promise<Trace> {
  const policy = cockatielBreaker(handleAll, { halfOpenAfter: HALF_OPEN_AFTER, breaker: breakerStrategy() });
  const trace: Trace = [];
  for (const [at, dependency] of steps) {
    vi.setSystemTime(START + at);
    const seen = await policy.execute(run(dependency)).then(
      () => 'ok',
      (e: unknown) => (e instanceof BrokenCircuitError ? 'refused' : 'fail'),
    );
    trace.push(`${seen}:${cockatielStates[policy.state]}`);
  }
  return trace;
}

/** `n` calls at instant `at`. */
const times = (n: number, at: number, dependency: 'ok' | 'fail'): Step[] => Array(n).fill([at, dependency]);
const repeat = (n: number, s: string): string[] => Array(n).fill(s);

describe('consecutive: POC { threshold: 3 } vs cockatiel ConsecutiveBreaker(3)', () => {
  const rows: Array<[string, Step[], Trace]> = [
    ['threshold-1 failures', times(2, 0, 'fail'), ['fail:closed', 'fail:closed']],
    ['threshold failures', times(3, 0, 'fail'), ['fail:closed', 'fail:closed', 'fail:open']],
    ['threshold+1: refused', times(4, 0, 'fail'), ['fail:closed', 'fail:closed', 'fail:open', 'refused:open']],
    [
      'a success resets the count',
      [...times(2, 0, 'fail'), [0, 'ok'], ...times(3, 0, 'fail')],
      ['fail:closed', 'fail:closed', 'ok:closed', 'fail:closed', 'fail:closed', 'fail:open'],
    ],
    [
      'probe 1 ms early is refused, on time is admitted; success closes',
      [...times(3, 0, 'fail'), [HALF_OPEN_AFTER - 1, 'ok'], [HALF_OPEN_AFTER, 'ok']],
      ['fail:closed', 'fail:closed', 'fail:open', 'refused:open', 'ok:closed'],
    ],
    [
      'failed probe reopens from its own time',
      [...times(3, 0, 'fail'), [1000, 'fail'], [1999, 'ok'], [2000, 'ok']],
      ['fail:closed', 'fail:closed', 'fail:open', 'fail:open', 'refused:open', 'ok:closed'],
    ],
    [
      'after a successful probe, threshold-1 then threshold failures',
      [...times(3, 0, 'fail'), [1000, 'ok'], ...times(3, 1000, 'fail')],
      ['fail:closed', 'fail:closed', 'fail:open', 'ok:closed', 'fail:closed', 'fail:closed', 'fail:open'],
    ],
  ];
  it.each(rows)('%s', async (_name, steps, expected) => {
    const strategy: BreakerStrategy = { kind: 'consecutive', threshold: 3 };
    expect(await pocTrace(strategy, steps)).toEqual(expected);
    expect(await cockatielTrace(() => new ConsecutiveBreaker(3), steps)).toEqual(expected);
  });
});

describe('rate: POC { threshold 0.5, window 10 s, 10 buckets, minimumThroughput 10 } vs cockatiel SamplingBreaker', () => {
  // cockatiel's window: max(5, ceil(10 s / 1 s)) = 10 buckets of 1 s; its minimum is a rate, so
  // minimumRps = 10 outcomes / 10 s = 1 makes `total >= duration × minimumRps` the same count of 10.
  const strategy: BreakerStrategy = {
    kind: 'rate',
    threshold: 0.5,
    windowMs: 10_000,
    minimumThroughput: 10,
    buckets: 10,
  };
  const sampling = (): IBreaker => new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 1 });
  const rows: Array<[string, Step[], Trace]> = [
    ['minimumThroughput-1 failures: too few to judge', times(9, 0, 'fail'), repeat(9, 'fail:closed')],
    ['minimumThroughput failures: open', times(10, 0, 'fail'), [...repeat(9, 'fail:closed'), 'fail:open']],
    [
      'exactly the threshold (5 of 10) stays closed',
      [...times(5, 0, 'ok'), ...times(5, 0, 'fail')],
      [...repeat(5, 'ok:closed'), ...repeat(5, 'fail:closed')],
    ],
    [
      'one failure above the threshold (6 of 11) opens',
      [...times(5, 0, 'ok'), ...times(6, 0, 'fail')],
      [...repeat(5, 'ok:closed'), ...repeat(5, 'fail:closed'), 'fail:open'],
    ],
    [
      '6 of 10 opens only when the 10th outcome arrives',
      [...times(4, 0, 'ok'), ...times(6, 0, 'fail')],
      [...repeat(4, 'ok:closed'), ...repeat(5, 'fail:closed'), 'fail:open'],
    ],
    [
      'window edge: the first bucket still counts 1 ms before it slides out',
      [...times(9, 0, 'fail'), ...Array.from({ length: 9 }, (_, i): Step => [(i + 1) * 1000, 'ok']), [9_999, 'fail']],
      [...repeat(9, 'fail:closed'), ...repeat(9, 'ok:closed'), 'fail:open'],
    ],
    [
      'window edge: the first bucket has slid out at 10 s',
      [...times(9, 0, 'fail'), ...Array.from({ length: 9 }, (_, i): Step => [(i + 1) * 1000, 'ok']), [10_000, 'fail']],
      [...repeat(9, 'fail:closed'), ...repeat(9, 'ok:closed'), 'fail:closed'],
    ],
    [
      'a successful probe starts a fresh window holding that success',
      [...times(10, 0, 'fail'), [1000, 'ok'], ...times(9, 1000, 'fail')],
      [...repeat(9, 'fail:closed'), 'fail:open', 'ok:closed', ...repeat(8, 'fail:closed'), 'fail:open'],
    ],
    [
      'a failed probe reopens, the next probe closes',
      [...times(10, 0, 'fail'), [1000, 'fail'], [1999, 'ok'], [2000, 'ok']],
      [...repeat(9, 'fail:closed'), 'fail:open', 'fail:open', 'refused:open', 'ok:closed'],
    ],
  ];
  it.each(rows)('%s', async (_name, steps, expected) => {
    expect(await pocTrace(strategy, steps)).toEqual(expected);
    expect(await cockatielTrace(sampling, steps)).toEqual(expected);
  });

  it('differs on purpose after a pause longer than two buckets: cockatiel still counts failures older than its window', async () => {
    const steps: Step[] = [...times(9, 0, 'fail'), [25_000, 'fail']];
    expect(await pocTrace(strategy, steps)).toEqual(repeat(10, 'fail:closed'));
    expect(await cockatielTrace(sampling, steps)).toEqual([...repeat(9, 'fail:closed'), 'fail:open']);
  });
});

describe('half-open with concurrent callers: where the two differ on purpose', () => {
  it('the POC refuses callers while its probe is in flight; cockatiel holds them and runs them all after it', async () => {
    const CALLERS = 10;
    const steps = times(3, 0, 'fail');
    const results: Record<string, { reached: number; seen: string[] }> = {};
    let release!: () => void;
    const slowOk = (counter: { n: number }) => () => {
      counter.n++;
      return new Promise<string>((resolve) => (release = () => resolve('ok')));
    };

    const clock = new ManualClock(START);
    const poc = circuitBreaker({
      strategy: { kind: 'consecutive', threshold: 3 },
      halfOpenAfterMs: HALF_OPEN_AFTER,
      clock,
    });
    for (const [, d] of steps) await execute(poc(run(d))).catch(() => undefined);
    await clock.advance(HALF_OPEN_AFTER);
    const pocCount = { n: 0 };
    const pocCalls = Array.from({ length: CALLERS }, () =>
      execute(poc(slowOk(pocCount))).then(
        () => 'ok',
        (e: unknown) => (isCircuitBreakerError(e, 'open') ? 'refused' : 'fail'),
      ),
    );
    release();
    const pocSeen = await Promise.all(pocCalls);
    results.poc = { reached: pocCount.n, seen: pocSeen };

    const cockatiel = cockatielBreaker(handleAll, {
      halfOpenAfter: HALF_OPEN_AFTER,
      breaker: new ConsecutiveBreaker(3),
    });
    for (const [, d] of steps) await cockatiel.execute(run(d)).catch(() => undefined);
    vi.setSystemTime(START + HALF_OPEN_AFTER);
    const cockatielCount = { n: 0 };
    const cockatielCalls = Array.from({ length: CALLERS }, (_, i) =>
      cockatiel.execute(i === 0 ? slowOk(cockatielCount) : async () => (cockatielCount.n++, 'ok')).then(
        () => 'ok',
        (e: unknown) => (e instanceof BrokenCircuitError ? 'refused' : 'fail'),
      ),
    );
    await Promise.resolve();
    release();
    const cockatielSeen = await Promise.all(cockatielCalls);
    results.cockatiel = { reached: cockatielCount.n, seen: cockatielSeen };

    expect(results.poc).toEqual({ reached: 1, seen: ['ok', ...repeat(CALLERS - 1, 'refused')] });
    expect(results.cockatiel).toEqual({ reached: CALLERS, seen: repeat(CALLERS, 'ok') });
  });
});
