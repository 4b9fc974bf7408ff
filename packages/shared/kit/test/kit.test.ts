import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  PocError,
  skewedClock,
  argumentChecks,
  describeValue,
  errorGuard,
  formatError,
  serviceCall,
  systemClock,
  type ArgumentChecks,
} from '../src/index.ts';

type DemoCode = 'argument' | 'lost' | 'service';
abstract class DemoError extends PocError {
  readonly scope = 'poc-demo';
  abstract override readonly code: DemoCode;
}
class DemoArgumentError extends DemoError {
  readonly code = 'argument';
}
class DemoLostError extends DemoError {
  readonly code = 'lost';
  readonly holder = 'b';
}
class DemoServiceError extends DemoError {
  readonly code = 'service';
}
type AnyDemoError = DemoArgumentError | DemoLostError | DemoServiceError;
const isDemoError = errorGuard<AnyDemoError>('poc-demo');
const check: ArgumentChecks = argumentChecks((p) => new DemoArgumentError(p.message));

class OtherError extends PocError {
  readonly scope = 'poc-other';
  readonly code = 'lost';
}

describe('errors', () => {
  it('guards by scope and, optionally, by code', () => {
    const lost = new DemoLostError('gone');
    expect(isDemoError(lost)).toBe(true);
    expect(isDemoError(lost, 'lost')).toBe(true);
    expect(isDemoError(lost, 'argument')).toBe(false);
    expect(isDemoError(new OtherError('x'), 'lost')).toBe(false);
    expect(isDemoError(new Error('plain'))).toBe(false);
    expect(isDemoError({ code: 'lost', scope: 'poc-demo' })).toBe(false);
    if (isDemoError(lost, 'lost')) expect(lost.holder).toBe('b'); // narrowed to DemoLostError
    expect(lost.name).toBe('DemoLostError');
  });

  it('wraps a client failure in the package’s service error, and lets its own errors through', async () => {
    const call = serviceCall((message, cause) => new DemoServiceError(message, { cause }));
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const e = await call('reading "k"', () => Promise.reject(refused)).catch((x: unknown) => x);
    expect(isDemoError(e, 'service')).toBe(true);
    expect((e as Error).message).toBe('reading "k" failed: connect ECONNREFUSED 127.0.0.1:1');
    expect((e as Error).cause).toBe(refused);
    const own = new DemoLostError('lost it');
    await expect(call('x', () => Promise.reject(own))).rejects.toBe(own);
    await expect(call('x', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('argument checks', () => {
  const cases: Array<[string, () => void, string]> = [
    ['positive int', () => check.positiveInt('ttlMs', 0), 'ttlMs must be a positive integer (got 0)'],
    ['positive int, string', () => check.positiveInt('ttlMs', '5'), 'ttlMs must be a positive integer (got "5")'],
    ['non-negative int', () => check.nonNegativeInt('retries', -1), 'retries must be a non-negative integer (got -1)'],
    ['int in range', () => check.intIn('shards', 65, 1, 64), 'shards must be an integer from 1 to 64 (got 65)'],
    ['positive number', () => check.positiveNumber('ratio', Number.NaN), 'ratio must be a finite number > 0 (got NaN)'],
    ['number in range', () => check.numberIn('p', 1.5, 0, 1), 'p must be a number from 0 to 1 (got 1.5)'],
    ['name', () => check.name('key', ''), 'key must be a non-empty string (got "")'],
    ['one of', () => check.oneOf('mode', 'x', ['auto', 'manual']), 'mode must be one of "auto", "manual" (got "x")'],
    ['function', () => check.fn('handler', {}), 'handler must be a function (got an object)'],
    ['signal', () => check.signal('signal', 'stop'), 'signal must be an AbortSignal (got a string)'],
    ['options', () => check.options('options', []), 'options must be an object (got an array)'],
    [
      'kind shows no content',
      () => check.kind(false, 'redis', 'must be an ioredis client', new Map()),
      'redis must be an ioredis client (got a Map)',
    ],
    ['that', () => check.that(false, 'limit', 'must be <= capacity', 12), 'limit must be <= capacity (got 12)'],
  ];
  it.each(cases)('%s: throws the package’s argument error with the exact message', (_, run, message) => {
    let thrown: unknown;
    try {
      run();
    } catch (e) {
      thrown = e;
    }
    expect(isDemoError(thrown, 'argument')).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });

  it('accepts good values', () => {
    expect(() => {
      check.positiveInt('a', 1);
      check.nonNegativeInt('a', 0);
      check.intIn('a', 64, 1, 64);
      check.oneOf('a', 'auto', ['auto']);
      check.fn('a', () => 1);
      check.signal('a', undefined);
      check.options('a', undefined);
    }).not.toThrow();
  });

  it('shortens long strings and names kinds consistently', () => {
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(describeValue(null)).toBe('null');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(10n)).toBe('10n');
  });
});

describe('ManualClock', () => {
  it('fires timers in time order, each at its due time, including ones scheduled while advancing', async () => {
    const clock = new ManualClock(1_000);
    const seen: string[] = [];
    clock.schedule(() => seen.push(`b@${clock.now()}`), 20);
    clock.schedule(() => {
      seen.push(`a@${clock.now()}`);
      clock.schedule(() => seen.push(`c@${clock.now()}`), 15);
    }, 10);
    const cancel = clock.schedule(() => seen.push('never'), 5);
    cancel();
    await clock.advance(24);
    expect(seen).toEqual(['a@1010', 'b@1020']);
    expect(clock.now()).toBe(1_024);
    await clock.advance(1);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1025']);
    expect(clock.pending).toBe(0);
  });

  it('runs chained sleeps inside one advance', async () => {
    const clock = new ManualClock(0);
    let steps = 0;
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        steps++;
      }
    })();
    await clock.advance(299);
    expect(steps).toBe(2);
    await clock.advance(1);
    await loop;
    expect(steps).toBe(3);
  });

  it('rejects a sleep with the signal’s reason when aborted, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});

describe('skewedClock', () => {
  it('reads ahead or behind the clock it wraps, and sleeps on it', async () => {
    const base = new ManualClock(10_000);
    const behind = skewedClock(base, -5_000);
    expect(behind.now()).toBe(5_000);
    let woke = false;
    void behind.sleep(100).then(() => (woke = true));
    await base.advance(100);
    expect(woke).toBe(true);
    expect(behind.now()).toBe(5_100);
  });
});

describe('systemClock', () => {
  it('reads epoch milliseconds and sleeps on real timers', async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    await systemClock.sleep(1);
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
  });
});

describe('formatError', () => {
  it('prints our errors as one line, others with their name and a DEBUG hint, stacks only under DEBUG', () => {
    const saved = process.env.DEBUG;
    try {
      delete process.env.DEBUG;
      expect(formatError(new DemoLostError('the lock was lost'))).toBe('error: the lock was lost');
      expect(formatError(new TypeError('x is not a function'))).toBe(
        'error: TypeError: x is not a function (DEBUG=1 shows the stack)',
      );
      process.env.DEBUG = '1';
      const text = formatError(new DemoServiceError('down', { cause: new Error('ECONNREFUSED') }));
      expect(text).toContain('DemoServiceError: down\n    at ');
      expect(text).toContain('caused by:\nError: ECONNREFUSED');
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });
});
