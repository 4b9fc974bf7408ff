// The breaker's state machine, driven by a ManualClock: exact states, counts and waits around every
// threshold, no sleeps and no real time. The dependency here is a function whose outcome each test decides;
// what the breaker does to a real service is in service.test.ts.
import { ManualClock, execute, type Operation } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import {
  circuitBreaker,
  isCircuitBreakerError,
  type BreakerStrategy,
  type CircuitBreaker,
  type CircuitState,
} from '../src/index.ts';
import { naiveCircuitBreaker } from '../src/naive.ts';

const HALF_OPEN_AFTER = 1000;
const consecutive3: BreakerStrategy = { kind: 'consecutive', threshold: 3 };

/** A dependency that counts its calls; each test says whether it answers, fails or hangs until released. */
function dependency() {
  let calls = 0;
  const held: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  return {
    get calls() {
      return calls;
    },
    ok: (async () => (calls++, 'ok')) as Operation<string>,
    fail: (async () => {
      calls++;
      throw new Error('down');
    }) as Operation<string>,
    hang: (() => {
      calls++;
      return new Promise<string>((resolve, reject) => held.push({ resolve, reject }));
    }) as Operation<string>,
    held,
  };
}

/** 'ok', 'failed' or 'refused' (CircuitOpenError): what a caller saw. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (isCircuitBreakerError(e, 'open') ? 'refused' : 'failed'),
  );

function setup(strategy: BreakerStrategy = consecutive3, make = circuitBreaker) {
  const clock = new ManualClock();
  const breaker: CircuitBreaker = make({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER, clock });
  const dep = dependency();
  const transitions: string[] = [];
  breaker.onStateChange((to, from) => transitions.push(`${from}->${to}`));
  return { clock, breaker, dep, transitions };
}

async function trip({ breaker, dep }: ReturnType<typeof setup>): Promise<void> {
  for (let i = 0; i < 3; i++) await outcome(execute(breaker(dep.fail)));
  expect(breaker.state()).toBe('open');
}

describe('consecutive breaker, around its threshold of 3', () => {
  const rows: Array<[string, Array<'ok' | 'fail'>, CircuitState, number]> = [
    ['threshold-1 failures stay closed', ['fail', 'fail'], 'closed', 2],
    ['threshold failures open it', ['fail', 'fail', 'fail'], 'open', 3],
    ['a success between failures starts the count again', ['fail', 'fail', 'ok', 'fail', 'fail'], 'closed', 5],
    ['threshold failures after a success open it', ['fail', 'fail', 'ok', 'fail', 'fail', 'fail'], 'open', 6],
    ['threshold+1: the call after the trip never reaches the dependency', ['fail', 'fail', 'fail', 'fail'], 'open', 3],
  ];
  it.each(rows)('%s', async (_name, steps, state, reached) => {
    const { breaker, dep } = setup();
    for (const s of steps) await outcome(execute(breaker(s === 'ok' ? dep.ok : dep.fail)));
    expect(breaker.state()).toBe(state);
    expect(dep.calls).toBe(reached);
  });
});

describe('open and half-open', () => {
  it('refuses calls while open with code "open" and the exact wait until the probe', async () => {
    const s = setup();
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER - 1);
    const err = await execute(s.breaker(s.dep.ok)).catch((e: unknown) => e);
    expect(isCircuitBreakerError(err, 'open')).toBe(true);
    expect(err).toMatchObject({ state: 'open', retryAfterMs: 1 });
    expect(s.dep.calls).toBe(3);
    expect(s.breaker.stats()).toMatchObject({ rejected: 1, admitted: 3, opened: 1, probes: 0 });
  });

  it('lets exactly one probe through after halfOpenAfterMs while 20 concurrent callers are refused', async () => {
    const s = setup();
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER);
    const probe = outcome(execute(s.breaker(s.dep.hang)));
    expect(s.breaker.state()).toBe('half-open');
    const others = await Promise.all(Array.from({ length: 20 }, () => outcome(execute(s.breaker(s.dep.hang)))));
    expect(others).toEqual(Array(20).fill('refused'));
    expect(s.dep.calls).toBe(4); // 3 that tripped it + 1 probe
    s.dep.held[0]!.resolve('ok');
    expect(await probe).toBe('ok');
    expect(s.breaker.state()).toBe('closed');
    expect(s.transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(s.breaker.stats()).toMatchObject({ probes: 1, rejected: 20, window: { consecutiveFailures: 0 } });
  });

  it('a failed probe opens it again for another full halfOpenAfterMs', async () => {
    const s = setup();
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER);
    expect(await outcome(execute(s.breaker(s.dep.fail)))).toBe('failed');
    expect(s.breaker.state()).toBe('open');
    await s.clock.advance(HALF_OPEN_AFTER - 1);
    expect(await outcome(execute(s.breaker(s.dep.ok)))).toBe('refused');
    await s.clock.advance(1);
    expect(await outcome(execute(s.breaker(s.dep.ok)))).toBe('ok');
    expect(s.dep.calls).toBe(5); // 3 + failed probe + successful probe
    expect(s.transitions).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
    expect(s.breaker.stats()).toMatchObject({ probes: 2, opened: 2 });
  });

  it('after a successful probe the count starts from zero: threshold failures again to open', async () => {
    const s = setup();
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER);
    await execute(s.breaker(s.dep.ok));
    await outcome(execute(s.breaker(s.dep.fail)));
    await outcome(execute(s.breaker(s.dep.fail)));
    expect(s.breaker.state()).toBe('closed');
    await outcome(execute(s.breaker(s.dep.fail)));
    expect(s.breaker.state()).toBe('open');
  });

  it('a late failure of a call admitted before the trip neither reopens a half-open circuit nor counts after it', async () => {
    const s = setup();
    const slow = outcome(execute(s.breaker(s.dep.hang))); // admitted while closed, still in flight
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER);
    const probe = outcome(execute(s.breaker(s.dep.hang)));
    s.dep.held[0]!.reject(new Error('late'));
    expect(await slow).toBe('failed');
    expect(s.breaker.state()).toBe('half-open');
    s.dep.held[1]!.resolve('ok');
    await probe;
    expect(s.breaker.stats().window).toEqual({ kind: 'consecutive', consecutiveFailures: 0 });
  });
});

describe('errors and signals', () => {
  it('rethrows the dependency error unchanged (same object)', async () => {
    const { breaker } = setup();
    const boom = new Error('boom');
    await expect(execute(breaker(() => Promise.reject(boom)))).rejects.toBe(boom);
  });

  it('errors that isFailure rejects pass through without counting', async () => {
    const clock = new ManualClock();
    const notFound = Object.assign(new Error('404'), { status: 404 });
    const breaker = circuitBreaker({
      strategy: consecutive3,
      halfOpenAfterMs: HALF_OPEN_AFTER,
      clock,
      isFailure: (e) => (e as { status?: number }).status !== 404,
    });
    for (let i = 0; i < 5; i++) await expect(execute(breaker(() => Promise.reject(notFound)))).rejects.toBe(notFound);
    expect(breaker.stats()).toMatchObject({ state: 'closed', failed: 0, window: { consecutiveFailures: 0 } });
  });

  it('an aborted signal stops the call before it reaches the dependency and does not use up the probe', async () => {
    const s = setup();
    await trip(s);
    await s.clock.advance(HALF_OPEN_AFTER);
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(execute(s.breaker(s.dep.ok), controller.signal)).rejects.toThrow('caller gave up');
    expect(s.breaker.state()).toBe('open');
    expect(await outcome(execute(s.breaker(s.dep.ok)))).toBe('ok');
    expect(s.dep.calls).toBe(4);
  });

  it('passes the signal on to the operation', async () => {
    const { breaker } = setup();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await execute(
      breaker(async (signal) => void (seen = signal)),
      controller.signal,
    );
    expect(seen).toBe(controller.signal);
  });
});

describe('rate breaker (threshold 0.5, window 10 s in 10 buckets, minimum throughput 10)', () => {
  const rate: BreakerStrategy = { kind: 'rate', threshold: 0.5, windowMs: 10_000, minimumThroughput: 10 };

  it('idle time uses up buckets: failures older than the window are forgotten after a pause', async () => {
    const s = setup(rate);
    for (let i = 0; i < 9; i++) await outcome(execute(s.breaker(s.dep.fail)));
    expect(s.breaker.stats().window).toEqual({ kind: 'rate', failures: 9, total: 9 });
    await s.clock.advance(9_999);
    await outcome(execute(s.breaker(s.dep.ok)));
    expect(s.breaker.stats().window).toEqual({ kind: 'rate', failures: 9, total: 10 });
    await s.clock.advance(25_000);
    await outcome(execute(s.breaker(s.dep.fail)));
    expect(s.breaker.stats().window).toEqual({ kind: 'rate', failures: 1, total: 1 });
    expect(s.breaker.state()).toBe('closed');
  });
});

describe('break it: the naive breaker (timer, no half-open)', () => {
  it('lets every concurrent caller through when its timer runs out; the pattern lets one probe through', async () => {
    const CALLERS = 20;
    const reached: Record<string, number> = {};
    for (const [name, make] of [
      ['naive', naiveCircuitBreaker],
      ['pattern', circuitBreaker],
    ] as const) {
      const s = setup(consecutive3, make);
      await trip(s);
      await s.clock.advance(HALF_OPEN_AFTER);
      const before = s.dep.calls;
      await Promise.all(Array.from({ length: CALLERS }, () => outcome(execute(s.breaker(s.dep.fail)))));
      reached[name] = s.dep.calls - before;
    }
    expect(reached).toEqual({ naive: CALLERS, pattern: 1 });
  });
});
