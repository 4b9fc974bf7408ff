// Redelivery storms against a real Redis: consumer processes (spawnTsWorker) drain an at-least-once queue
// in which each message is delivered 1 to 5 times, shuffled; one consumer is SIGKILLed after applying a
// delivery and before acknowledging it, its delivery goes back to the queue, and a restarted consumer
// finishes. Every effect is a counter per message id, so a duplicate is counted, not guessed. The
// strategies' edges (failure policy, the TTL window, high-water and order) run in-process. No sleeps,
// no timing thresholds.
import { eventually, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dedup, isDedupError, type FailurePolicy } from '../src/index.ts';
import { naiveDedup } from '../src/naive.ts';
import { APPLIED, countEffect, drain } from '../src/lab/consumer.ts';
import { enqueue, seeded, stormOf, type Delivery } from '../src/lab/queue.ts';
import { runStorm, type StormResult } from '../src/lab/storm.ts';

const MESSAGES = 300;
const MAX_COPIES = 5;

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'dedup' }); // a key prefix of its own
  redis = ns.client();
});
afterAll(() => ns?.close());

let run = 0;
/** A fresh sub-prefix per use, so counters and marks never mix (under the suite's prefix, removed at close). */
const fresh = (): string => `r${++run}:`;
/** A client whose keys live under a fresh sub-prefix of the suite's; disconnected when the test ends. */
function isolated(sub = fresh()): Redis {
  const client = redisClient(ns.url, { keyPrefix: `${ns.prefix}${sub}` });
  onTestFinished(() => void client.disconnect());
  return client;
}

async function counts(client: Redis): Promise<number[]> {
  const all = await client.hgetall(APPLIED);
  return Object.values(all).map(Number);
}

const storm = (mode: 'set-nx' | 'naive', steps: 'one' | 'two' = 'one'): Promise<StormResult> =>
  runStorm({ url: ns.url, prefix: `${ns.prefix}${fresh()}`, mode, steps, messages: MESSAGES, maxCopies: MAX_COPIES });

describe('a redelivery storm from 3 consumer processes, one SIGKILLed mid-way', () => {
  it(`set-nx with the effect in the same Lua script: each of ${MESSAGES} messages applied exactly once`, async () => {
    const { counts, held, deliveries, unacknowledged } = await storm('set-nx');
    expect(deliveries).toBeGreaterThan(2 * MESSAGES); // a real storm: about 3 deliveries per message
    expect(unacknowledged).toBe(1); // the killed consumer's delivery, redelivered
    expect(Object.keys(counts).length).toBe(MESSAGES);
    expect(Object.entries(counts).filter(([, c]) => c !== 1)).toEqual([]);
    expect(counts[held]).toBe(1); // the delivery the killed consumer held, then got again
  });

  it('break it: set-nx in two steps (mark, then effect) loses the message of a consumer killed between them', async () => {
    const { counts, held, unacknowledged } = await storm('set-nx', 'two');
    expect(unacknowledged).toBe(1);
    expect(counts[held]).toBeUndefined(); // marked as seen, never applied: the redelivery was skipped
    expect(Object.keys(counts).length).toBe(MESSAGES - 1);
    expect(Object.values(counts).filter((c) => c !== 1)).toEqual([]);
  });

  it('break it: the naive consumer applies every delivery, duplicates and the redelivered one included', async () => {
    const { counts: byId, held, deliveries } = await storm('naive');
    const counts = Object.values(byId);
    const applied = counts.reduce((a, b) => a + b, 0);
    expect(counts.length).toBe(MESSAGES);
    expect(byId[held]).toBeGreaterThanOrEqual(2); // applied before the kill, and again
    expect(applied).toBe(deliveries); // one effect per delivery
    console.log(`naive: ${applied - MESSAGES} duplicate effects over ${MESSAGES} messages`);
    expect(applied - MESSAGES).toBeGreaterThan(0);
  });
});

describe('set-nx: when the effect is outside Redis (once)', () => {
  it.each<[FailurePolicy, number, number]>([
    ['release', 2, 1], // the redelivery retries the effect: at least once
    ['keep', 1, 0], // the id stays marked: at most once, the message is lost
  ])(
    'with onFailure "%s" a failed effect is tried %i time(s) over two deliveries and succeeds %i time(s)',
    async (onFailure, tries, successes) => {
      const subject = dedup(redis, { prefix: fresh(), strategy: { kind: 'set-nx', ttlMs: 3_600_000, onFailure } });
      let calls = 0;
      let done = 0;
      const effect = async (): Promise<void> => {
        if (++calls === 1) throw new Error('payment service down');
        done++;
      };
      const first = await subject.once({ id: 'm1' }, effect).catch((e: unknown) => e);
      expect((first as Error).message).toBe('payment service down'); // the effect's own error, unchanged
      const second = await subject.once({ id: 'm1' }, effect);
      expect(second.applied).toBe(successes === 1);
      expect([calls, done]).toEqual([tries, successes]);
    },
  );

  it('applies a redelivery again once the TTL (Redis’s own clock) has run out: the window after the TTL', async () => {
    const prefix = fresh();
    const subject = dedup(redis, { prefix, strategy: { kind: 'set-nx', ttlMs: 1_000 } });
    let done = 0;
    const effect = async (): Promise<void> => void done++;
    expect((await subject.once({ id: 'late' }, effect)).applied).toBe(true);
    expect((await subject.once({ id: 'late' }, effect)).applied).toBe(false);
    await eventually(async () => expect(await redis.pttl(`${prefix}:seen:default:late`)).toBe(-2), {
      what: 'the mark to expire',
    });
    expect((await subject.once({ id: 'late' }, effect)).applied).toBe(true);
    expect(done).toBe(2);
  });
});

describe('high-water: one mark per partition', () => {
  /** Per partition, ids 1..n in order, with rewinds (a consumer restarting from an older offset). */
  function orderedWithRewinds(partitions: string[], n: number, random: () => number): Delivery[] {
    const out: Delivery[] = [];
    for (const p of partitions) {
      let i = 1;
      while (i <= n) {
        out.push({ partition: p, id: `${1_700_000_000_000 + i}-0` });
        if (random() < 0.15 && i > 5) i -= 1 + Math.floor(random() * 5);
        else i++;
      }
    }
    return out;
  }

  it('applies every message of every partition exactly once under in-order redelivery with rewinds; naive does not', async () => {
    const deliveries = orderedWithRewinds(['p0', 'p1', 'p2'], 100, seeded(7));
    for (const [make, expectExact] of [
      [dedup, true],
      [naiveDedup, false],
    ] as const) {
      const client = isolated();
      const subject = make(client, { prefix: 'dedup', strategy: { kind: 'high-water' } });
      // Partitions interleaved, each in its own order: one consumer per partition, as in Kafka or a stream.
      await Promise.all(
        ['p0', 'p1', 'p2'].map(async (p) => {
          for (const d of deliveries.filter((x) => x.partition === p))
            await subject.onceInRedis(d, countEffect(`${d.partition}/${d.id}`));
        }),
      );
      const c = await counts(client);
      expect(c.length).toBe(300);
      if (expectExact) expect(c.filter((x) => x !== 1)).toEqual([]);
      else expect(c.reduce((a, b) => a + b, 0)).toBe(deliveries.length);
    }
    expect(deliveries.length).toBeGreaterThan(300);
  });

  it('loses messages when deliveries come out of order (a shuffled storm): it needs per-partition order', async () => {
    const client = isolated();
    const messages = Array.from({ length: 100 }, (_, i) => ({ partition: 'p', id: `${1_700_000_000_000 + i}-0` }));
    const subject = dedup(client, { prefix: 'dedup', strategy: { kind: 'high-water' } });
    for (const d of stormOf(messages, MAX_COPIES, seeded(3))) await subject.onceInRedis(d, countEffect(d.id));
    const c = await counts(client);
    expect(c.every((x) => x === 1)).toBe(true); // never twice...
    expect(c.length).toBeLessThan(100); // ...but an id below the mark is skipped even if it never ran
  });
});

describe('the effect and the mark are one script', () => {
  it('writes no mark when an effect command fails, so the redelivery applies it', async () => {
    const client = isolated();
    const subject = dedup(client, { prefix: 'dedup', strategy: { kind: 'set-nx', ttlMs: 3_600_000 } });
    await client.set('balance', 'not a number');
    const effect = [{ command: 'INCRBY', key: 'balance', args: [5] }];
    const err = await subject.onceInRedis({ id: 'm1' }, effect).catch((e: unknown) => e);
    expect(isDedupError(err, 'service')).toBe(true);
    expect(await client.exists('dedup:seen:default:m1')).toBe(0);
    await client.set('balance', '10');
    expect(await subject.onceInRedis({ id: 'm1' }, effect)).toBe(true);
    expect(await subject.onceInRedis({ id: 'm1' }, effect)).toBe(false);
    expect(await client.get('balance')).toBe('15');
  });

  it('drains a storm in-process with 4 concurrent consumers: exactly once', async () => {
    const client = isolated();
    const messages = Array.from({ length: 200 }, (_, i) => ({ id: `m${i}`, partition: 'q' }));
    await enqueue(client, 'queue', stormOf(messages, MAX_COPIES, seeded(11)));
    const subject = dedup(client, { prefix: 'dedup', strategy: { kind: 'set-nx', ttlMs: 3_600_000 } });
    const applied = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => drain(client, subject, 'queue', w)));
    expect(applied.reduce((a, b) => a + b, 0)).toBe(200);
    expect((await counts(client)).filter((x) => x !== 1)).toEqual([]);
  });
});
