import {
  barrier,
  eventually,
  holdReplies,
  postgresDatabase,
  privateRedis,
  redisClient,
  serverNowMs,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { counters, expiringCounters, sqlCounter } from '../src/index.ts';
import { naiveIncrement } from '../src/naive.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'counter' });
  admin = ns.client();
});
afterAll(() => ns?.close());

const CLIENTS = 50;
const EACH = 1_000;
const EXPECTED = CLIENTS * EACH;

/** Runs `each` increments on each of CLIENTS separate connections, all connections at once. */
async function hammer(increment: (redis: Redis) => Promise<number>): Promise<number[]> {
  const clients = Array.from({ length: CLIENTS }, () => ns.client());
  await Promise.all(clients.map((c) => c.ping())); // connected before the race starts
  const returned: number[] = [];
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < EACH; i++) returned.push(await increment(c));
    }),
  );
  await Promise.all(clients.map((c) => c.quit()));
  return returned;
}

describe(`${CLIENTS} concurrent clients x ${EACH} increments`, () => {
  it(`counts exactly ${EXPECTED} with INCR, and every caller got a distinct value 1..${EXPECTED}`, async () => {
    const returned = await hammer((c) => counters(c).increment('hits'));
    expect(await counters(admin).get('hits')).toBe(EXPECTED);
    expect(returned).toHaveLength(EXPECTED);
    expect(new Set(returned).size).toBe(EXPECTED);
    expect(Math.min(...returned)).toBe(1);
    expect(Math.max(...returned)).toBe(EXPECTED);
  });
});

// The race made certain: in each of EACH rounds all CLIENTS callers start together, and a caller gets
// its GET's reply only once every caller's GET has been answered, so all of them read before any writes.
describe(`the same ${CLIENTS} x ${EACH} in lock-step rounds (every caller reads before any caller writes)`, () => {
  it(`breaks GET + SET (read-modify-write): all ${CLIENTS} callers of a round write the same value, the counter ends at ${EACH}`, async () => {
    const everyoneHasRead = barrier(CLIENTS);
    const written = await hammer((c) => naiveIncrement(holdReplies(c, ['get'], everyoneHasRead), 'counter:naive-hits'));
    const final = await counters(admin).get('naive-hits');
    console.log(`GET+SET: ${written.length} increments acknowledged, counter = ${final} (${EXPECTED - final} lost)`);
    expect(written).toHaveLength(EXPECTED); // every caller was told its increment succeeded
    expect(final).toBe(EACH); // one increment per round survived, CLIENTS - 1 were overwritten
    const timesWritten = new Map<number, number>();
    for (const v of written) timesWritten.set(v, (timesWritten.get(v) ?? 0) + 1);
    expect([...timesWritten.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: EACH }, (_, i) => i + 1));
    expect(new Set(timesWritten.values())).toEqual(new Set([CLIENTS])); // each value written by every caller
  });

  it(`counts exactly ${EXPECTED} with INCR in the same rounds, every caller getting a distinct value`, async () => {
    const everyoneIsReady = barrier(CLIENTS);
    const returned = await hammer(async (c) => {
      await everyoneIsReady();
      return counters(c).increment('lockstep-hits');
    });
    expect(await counters(admin).get('lockstep-hits')).toBe(EXPECTED);
    expect(new Set(returned).size).toBe(EXPECTED);
    expect(Math.max(...returned)).toBe(EXPECTED);
  });
});

describe('INCRBY', () => {
  it('counts exactly with INCRBY of different amounts from many clients', async () => {
    const clients = Array.from({ length: 10 }, () => ns.client());
    await Promise.all(
      clients.map((c, i) =>
        (async () => {
          for (let k = 0; k < 100; k++) await counters(c).increment('bytes', i + 1);
        })(),
      ),
    );
    expect(await counters(admin).get('bytes')).toBe(100 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10));
    await Promise.all(clients.map((c) => c.quit()));
  });
});

describe('plain counters', () => {
  it('reads 0 before the first increment and after reset', async () => {
    const c = counters(admin, { keyPrefix: 'plain:' });
    expect(await c.get('new')).toBe(0);
    expect(await c.increment('new', 5)).toBe(5);
    expect(await admin.get('plain:new')).toBe('5');
    await c.reset('new');
    expect(await c.get('new')).toBe(0);
    expect(await admin.exists('plain:new')).toBe(0);
  });
});

describe('expiring counters', () => {
  // Expiry on Redis's own clock: PEXPIRETIME is the absolute time the key dies, bracketed by TIME read
  // before and after the increment, so no sub-second window has to hold on a loaded machine.
  it('sets the expiry windowMs after the first increment (by the server clock), never moves it, and a new window starts at 1', async () => {
    const perMinute = expiringCounters(admin, { windowMs: 60_000 });
    const key = perMinute.key('api-key-1');
    const before = await serverNowMs(admin);
    expect(await perMinute.increment('api-key-1')).toEqual({ count: 1, resetsInMs: 60_000 });
    const after = await serverNowMs(admin);
    const expiresAt = await admin.pexpiretime(key);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000);

    const second = await perMinute.increment('api-key-1', 2);
    expect(second.count).toBe(3);
    expect(await admin.pexpiretime(key)).toBe(expiresAt); // not pushed back by the second increment
    expect((await perMinute.get('api-key-1')).count).toBe(3);

    // End the window on the server's clock: the key now dies 100 ms from Redis's "now", and Redis expires it.
    await admin.pexpireat(key, (await serverNowMs(admin)) + 100);
    await eventually(async () => (await admin.exists(key)) === 0, { what: 'the window to end' });
    expect(await perMinute.get('api-key-1')).toEqual({ count: 0, resetsInMs: 0 });
    const next = await perMinute.increment('api-key-1');
    expect(next).toEqual({ count: 1, resetsInMs: 60_000 });
    expect(await admin.pexpiretime(key)).toBeGreaterThan(expiresAt); // a new window, with its own expiry
  });

  it('lets Redis expire a short window by itself: once the key is gone, the next increment opens a new window at 1', async () => {
    const perWindow = expiringCounters(admin, { windowMs: 200 });
    expect(await perWindow.increment('short')).toEqual({ count: 1, resetsInMs: 200 });
    await eventually(async () => (await admin.exists(perWindow.key('short'))) === 0, { what: 'the window to end' });
    expect(await perWindow.increment('short')).toEqual({ count: 1, resetsInMs: 200 });
  });

  it('never extends the window: an increment made later leaves the expiry where the first one set it', async () => {
    const perMinute = expiringCounters(admin, { windowMs: 60_000 });
    const ttls: number[] = [];
    ttls.push((await perMinute.increment('steady')).resetsInMs);
    // Let at least 100 ms of the window pass (polling the real TTL), then count again.
    await eventually(async () => (await admin.pttl(perMinute.key('steady'))) <= 59_900, {
      what: '100 ms of the window to pass',
    });
    for (let i = 0; i < 10; i++) ttls.push((await perMinute.increment('steady')).resetsInMs);
    expect(ttls[0]).toBe(60_000);
    for (let i = 1; i < ttls.length; i++) expect(ttls[i]).toBeLessThanOrEqual(Math.min(59_900, ttls[i - 1]!));
    const pttl = await admin.pttl(perMinute.key('steady'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(59_900); // an implementation that re-arms the expiry on every hit reads ~60 000 here
  });

  it('counts exactly under 20 clients, with the expiry set by the first increment and never pushed back', async () => {
    const clients = Array.from({ length: 20 }, () => ns.client());
    const results: Array<{ count: number; resetsInMs: number }> = [];
    await Promise.all(
      clients.map(async (c) => {
        const perMinute = expiringCounters(c, { windowMs: 60_000 });
        for (let i = 0; i < 50; i++) results.push(await perMinute.increment('shared'));
      }),
    );
    expect((await expiringCounters(admin, { windowMs: 60_000 }).get('shared')).count).toBe(1_000);
    // Sorted by count = the order Redis ran them in: counts 1..1000, TTLs never going up.
    results.sort((a, b) => a.count - b.count);
    expect(results.map((r) => r.count)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(results[0]!.resetsInMs).toBe(60_000);
    for (let i = 1; i < results.length; i++)
      expect(results[i]!.resetsInMs).toBeLessThanOrEqual(results[i - 1]!.resetsInMs);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('repairs a counter that exists without a TTL (made by a plain INCR) on its next windowed increment', async () => {
    await admin.incrby('counter:orphan', 7);
    expect(await admin.pttl('counter:orphan')).toBe(-1);
    const r = await expiringCounters(admin, { windowMs: 5_000 }).increment('orphan');
    expect(r).toEqual({ count: 8, resetsInMs: 5_000 });
    expect(await admin.pttl('counter:orphan')).toBeGreaterThan(0);
  });

  it('runs after SCRIPT FLUSH (EVALSHA falls back to EVAL on NOSCRIPT)', async () => {
    // SCRIPT FLUSH empties the whole server's cache: a server of this test's own, never the shared one.
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const own = redisClient(server.url);
    onTestFinished(() => void own.disconnect());
    const perWindow = expiringCounters(own, { windowMs: 5_000 });
    await perWindow.increment('flushed');
    await own.script('FLUSH');
    expect((await perWindow.increment('flushed')).count).toBe(2);
  });
});

describe('SQL counter row', () => {
  let db: PostgresDatabase;
  beforeAll(async () => {
    db = await postgresDatabase({ name: 'counter' });
  });
  afterAll(() => db?.close());

  it('loses nothing either: 10 connections x 50 UPDATE n = n + 1 count exactly 500', async () => {
    const pool = db.pool({ max: 10 });
    const sql = sqlCounter(pool);
    await sql.create();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 50; i++) await sql.increment('page-views');
      }),
    );
    expect(await sql.get('page-views')).toBe(500);
    await sql.reset('page-views');
    expect(await sql.get('page-views')).toBe(0);
  });
});
