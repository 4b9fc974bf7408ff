// WATCH/MULTI/EXEC against a real Redis: a check-and-set that retries on conflict, bounded and backing
// off; connections of its own, because WATCH belongs to a connection; and the lost updates of the naive
// versions under the same 50 concurrent writers.
import { barrier, redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  WatchRetriesExhaustedError,
  backoffDelay,
  checkAndSet,
  isWatchError,
  scriptedAdd,
  type CheckAndSetOptions,
  type ConflictEvent,
} from '../src/index.ts';
import { naiveModify, sharedConnectionModify } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'watch' }); // a key prefix of its own
  redis = ns.client();
});
afterAll(() => ns?.close());

/** A checkAndSet on the suite's client, closed when the test ends. */
function subject(options: CheckAndSetOptions = {}) {
  const cas = checkAndSet(ns.client(), options);
  onTestFinished(() => cas.close());
  return cas;
}

/** A clock whose sleeps return at once and are written down. */
function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => 0, schedule: () => () => {}, sleep: async (ms) => void slept.push(ms) };
}

const plusOne = (value: string | null): string => String(Number(value ?? 0) + 1);

describe('check-and-set', () => {
  it('reads after WATCH, writes in MULTI/EXEC and answers the result with the attempts it took', async () => {
    await redis.set('stock', '5');
    const cas = subject();
    const committed = await cas.update(['stock'], ({ values, attempt }) => {
      expect(attempt).toBe(1);
      const left = Number(values[0]);
      return { writes: [['set', 'stock', left - 1]], result: left - 1 };
    });
    expect(committed).toEqual({ result: 4, attempts: 1 });
    expect(await redis.get('stock')).toBe('4');
  });

  it('writes nothing when the plan decides so (a conditional update), and leaves no WATCH behind', async () => {
    await redis.set('seats', '0');
    const cas = subject({ connections: 1 });
    const book = () =>
      cas.update(['seats'], ({ values }) =>
        Number(values[0]) > 0 ? { writes: [['decr', 'seats']], result: 'booked' } : { writes: [], result: 'sold out' },
      );
    expect(await book()).toEqual({ result: 'sold out', attempts: 1 });
    await redis.set('seats', '1'); // would abort the next EXEC on the connection if its WATCH were still on
    expect(await book()).toEqual({ result: 'booked', attempts: 1 });
    expect(await redis.get('seats')).toBe('0');
  });

  it('retries when another client changes a watched key before EXEC, and the retry sees the new value', async () => {
    await redis.set('balance', '100');
    const clock = recordingClock();
    const conflicts: ConflictEvent[] = [];
    const cas = subject({ clock, random: () => 0.5, baseDelayMs: 10, onConflict: (e) => conflicts.push(e) });
    const seen: string[] = [];
    const committed = await cas.update(['balance'], async ({ values, attempt }) => {
      seen.push(values[0]!);
      if (attempt === 1) await redis.incrby('balance', 50); // someone else's deposit, between our read and EXEC
      return { writes: [['set', 'balance', Number(values[0]) - 30]], result: attempt };
    });
    expect(committed).toEqual({ result: 2, attempts: 2 });
    expect(seen).toEqual(['100', '150']);
    expect(await redis.get('balance')).toBe('120'); // the deposit survived; a blind SET would have left 70
    expect(conflicts).toEqual([{ attempt: 1, delayMs: 5, keys: ['balance'] }]);
    expect(clock.slept).toEqual([5]);
  });

  it('gives up after maxAttempts with WatchRetriesExhaustedError, backing off with growing jittered delays', async () => {
    await redis.set('hot', '0');
    const clock = recordingClock();
    const cas = subject({ clock, random: () => 0.5, maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 30 });
    const err = await cas
      .update(['hot'], async () => {
        await redis.incr('hot'); // always changed before our EXEC
        return { writes: [['set', 'hot', 'mine']], result: undefined };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchRetriesExhaustedError);
    expect(isWatchError(err, 'exhausted')).toBe(true);
    expect((err as WatchRetriesExhaustedError).attempts).toBe(4);
    expect((err as Error).message).toBe(
      'gave up after 4 attempts: every EXEC found a watched key changed ("hot"); nothing was written',
    );
    expect(clock.slept).toEqual([5, 10, 15]); // 0.5 x min(30, 10 x 2^(n-1))
    expect(await redis.get('hot')).toBe('4'); // only the other client's writes
    expect(cas.connections).toMatchObject({ open: 1, idle: 1, waiting: 0 });
  });

  it('computes full-jitter exponential back-off: random x min(max, base x 2^(attempt-1))', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 2, 20, () => 0.999))).toEqual([2, 4, 8, 16, 20]);
    expect(backoffDelay(3, 2, 20, () => 0)).toBe(0);
    expect(backoffDelay(3, 2, 20, () => 0.25)).toBe(2);
  });

  it("stops at once when aborted during the back-off, rejecting with the signal's reason", async () => {
    await redis.set('abort-me', '0');
    const clock = new ManualClock(); // never advanced: the back-off sleeps until the abort
    const cas = subject({ clock });
    const controller = new AbortController();
    let attempts = 0;
    const outcome = cas
      .update(
        ['abort-me'],
        async () => {
          attempts++;
          await redis.incr('abort-me');
          return { writes: [['set', 'abort-me', 'mine']], result: undefined };
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    await expect.poll(() => clock.pending).toBe(1); // sleeping after the first conflict
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(attempts).toBe(1);
    expect(await redis.get('abort-me')).toBe('1');
    expect(cas.connections).toMatchObject({ idle: 1, waiting: 0 });
  });

  it('throws what the plan threw, and UNWATCHes so the next update on that connection is not aborted by it', async () => {
    await redis.set('plan-throws', '1');
    const cas = subject({ connections: 1 });
    const err = await cas
      .update(['plan-throws'], () => {
        throw new Error('no such customer');
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('no such customer');
    await redis.set('plan-throws', '2'); // a change after the failed attempt's WATCH
    expect(await cas.modify('plan-throws', plusOne)).toEqual({ result: '3', attempts: 1 });
  });

  it('reports a write that fails inside EXEC instead of retrying it (no rollback of the others)', async () => {
    await redis.set('text', 'hello');
    const cas = subject();
    const err = await cas
      .update(['text'], () => ({
        writes: [
          ['set', 'text-copy', 'hello'],
          ['incr', 'text'],
        ],
        result: undefined,
      }))
      .catch((e: unknown) => e);
    expect(isWatchError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe(
      'update of "text": EXEC ran, and 1 of 2 writes failed (Redis does not roll back the others): #1 INCR: ERR value is not an integer or out of range',
    );
    expect(await redis.get('text-copy')).toBe('hello');
  });
});

describe('WATCH belongs to a connection', () => {
  it('queues concurrent updates for its one connection when given connections: 1, and loses none', async () => {
    const cas = subject({ connections: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => cas.modify('one-connection', plusOne)));
    expect(await redis.get('one-connection')).toBe('20');
    expect(results.every((r) => r.attempts === 1)).toBe(true); // one at a time: nobody to conflict with
    expect(cas.connections).toMatchObject({ size: 1, open: 1 });
  });

  it('break it: 50 writers x 20 increments, all reading the same value first; GET/SET and WATCH on a shared connection lose updates, checkAndSet none', async () => {
    const WRITERS = 50;
    const EACH = 20;
    /** The same change for every variant: +1, except that each writer's first call waits until all 50 have read. */
    const run = async (key: string, modify: (change: (v: string | null) => Promise<string>) => Promise<unknown>) => {
      const allRead = barrier(WRITERS);
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          let first = true;
          for (let i = 0; i < EACH; i++)
            await modify(async (value) => {
              if (first) {
                first = false;
                await allRead();
              }
              return plusOne(value);
            });
        }),
      );
      return WRITERS * EACH - Number(await redis.get(key));
    };
    const shared = ns.client();
    const cas = subject({ connections: WRITERS, baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 200 });
    let attempts = 0;

    const lostNaive = await run('naive', (change) => naiveModify(shared, 'naive', change));
    const lostShared = await run('shared', (change) => sharedConnectionModify(shared, 'shared', change));
    const lostWatch = await run('pattern', async (change) => {
      const committed = await cas.modify('pattern', change);
      attempts += committed.attempts;
    });
    const conflicts = attempts - WRITERS * EACH;
    console.log(
      `lost of ${WRITERS * EACH}: GET/SET ${lostNaive}, WATCH on a shared connection ${lostShared}, checkAndSet ${lostWatch} (${conflicts} conflicts retried)`,
    );
    // All 50 read the same value before anyone wrote: at least 49 of those first writes are lost.
    expect(lostNaive).toBeGreaterThanOrEqual(WRITERS - 1);
    expect(lostShared).toBeGreaterThanOrEqual(WRITERS - 1);
    expect(lostWatch).toBe(0);
    expect(conflicts).toBeGreaterThanOrEqual(WRITERS - 1); // the same 49 were refused and retried instead
  });
});

describe('the Lua version of the same update', () => {
  it('adds in one script run with no conflict to retry, under the same 50 writers', async () => {
    const writers = Array.from({ length: 50 }, () => ns.client());
    await Promise.all(
      writers.map(async (w) => {
        for (let i = 0; i < 20; i++) await scriptedAdd(w, 'scripted', 1);
      }),
    );
    expect(await redis.get('scripted')).toBe('1000');
  });
});
