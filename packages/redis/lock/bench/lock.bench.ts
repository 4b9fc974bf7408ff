// pnpm --filter poc-redis-lock bench
// 1. Correctness under contention (facts): the same counter workload under the naive lock, this lock
//    and redlock; lost updates = expected - final count.
// 2. Uncontended acquire + release, one caller (throughput).
// 3. Contended acquire -> read-modify-write -> release, 20 callers on one key (load).
// This lock is the baseline of every ratio: naive ÷ POC and redlock ÷ POC. Every ratio is taken within
// a round and published with the sign-test interval of its median over the rounds: the contended
// redlock ÷ POC ratio changed side of 1.0 between two runs of the previous 5-round bench, so it gets
// 12 short rounds (a 95% interval that excludes its two most extreme rounds on each side).
import { runMain } from '@poc/kit';
import { benchReport, compareLoad, compareThroughput, redisClient, serverFor, uniqueName } from '@poc/harness';
import type { Redis } from 'ioredis';
import { Redlock } from './redlock.ts';
import { acquire, withLock } from '../src/index.ts';
import { naiveAcquire, withNaiveLock } from '../src/naive.ts';
import { increment } from '../test/helpers.ts';

const CONCURRENCY = 20;
const COUNTER_INCREMENTS_PER_WORKER = 25;
const COUNTER_ROUNDS = 3;
const TTL_MS = 5_000;
const CONTENDED_ROUNDS = 12;
const CONTENDED_MS = 1_000;
const UNCONTENDED_ROUNDS = 9;
const UNCONTENDED_MS = 500;
// Equivalent waits between attempts: 10-20 ms for all three (redlock's jitter is ± around its delay).
const POC_RETRY = { retryDelayMs: 10, retryJitterMs: 10, acquireTimeoutMs: 30_000 };
const NAIVE_RETRY = { retryDelayMs: 15, acquireTimeoutMs: 30_000 };
const REDLOCK_SETTINGS = {
  retryDelay: 15,
  retryJitter: 5,
  retryCount: 2_000,
  driftFactor: 0.01,
  automaticExtensionThreshold: 500,
};

type Critical = (worker: number, counterKey: string) => Promise<void>;

runMain(async () => {
  const server = await serverFor('redis');
  const prefix = `${uniqueName('lockbench')}:`;
  const clients: Redis[] = Array.from({ length: CONCURRENCY }, () => redisClient(server.url, { keyPrefix: prefix }));
  const redlocks = clients.map((c) => new Redlock([c], REDLOCK_SETTINGS));
  const admin = clients[0]!;

  const variants: Record<'poc' | 'naive' | 'redlock', Critical> = {
    poc: (w, key) =>
      withLock(clients[w]!, `lock-${key}`, { ttlMs: TTL_MS, ...POC_RETRY }, () => increment(clients[w]!, key)),
    naive: (w, key) =>
      withNaiveLock(clients[w]!, `lock-${key}`, { ttlMs: TTL_MS, ...NAIVE_RETRY }, () => increment(clients[w]!, key)),
    redlock: (w, key) => redlocks[w]!.using([`redlock:${key}`], TTL_MS, () => increment(clients[w]!, key)),
  };

  try {
    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        ttlMs: TTL_MS,
        retryWaitMs: '10-20 (all variants)',
        counterRun: `${CONCURRENCY} workers x ${COUNTER_INCREMENTS_PER_WORKER} increments x ${COUNTER_ROUNDS} rounds`,
        counterIncrements: CONCURRENCY * COUNTER_INCREMENTS_PER_WORKER * COUNTER_ROUNDS,
        contendedMsPerRound: `${CONTENDED_MS} per variant, after 500 ms of warm-up each`,
        uncontendedMsPerRound: `${UNCONTENDED_MS} per variant`,
        connections: `${CONCURRENCY} (one per worker, shared by the three variants; redlock gets one instance per connection)`,
        criticalSection: 'GET counter, PING, SET counter+1',
        redlock: '5.0.0-beta.2, one instance',
      },
      services: ['redis'],
    });

    // 1. Lost updates: one client per worker, all workers at once, exact expected count.
    const expected = CONCURRENCY * COUNTER_INCREMENTS_PER_WORKER * COUNTER_ROUNDS;
    const lost: Record<string, number> = {};
    for (const [name, critical] of Object.entries(variants)) {
      let final = 0;
      for (let round = 0; round < COUNTER_ROUNDS; round++) {
        const key = `counter-${name}-${round}`;
        await Promise.all(
          clients.map(async (_, w) => {
            for (let i = 0; i < COUNTER_INCREMENTS_PER_WORKER; i++) await critical(w, key);
          }),
        );
        final += Number(await admin.get(key));
      }
      lost[name] = expected - final;
      process.stderr.write(`  counter ${name}: ${final} of ${expected} (${lost[name]} lost)\n`);
      report.add({
        id: `lost-updates-${name}`,
        title: `Lost updates, ${name} (of ${expected} increments)`,
        value: lost[name]!,
      });
    }
    report.add({
      id: 'lost-updates-naive-share',
      title: 'Lost updates, naive, share of all increments',
      value: Math.round((1_000 * lost.naive!) / expected) / 10,
      unit: '%',
    });

    // 2. Uncontended: one caller, a fresh resource name per variant.
    const uncontended = await compareThroughput({
      id: 'uncontended',
      title: 'Uncontended acquire + release, one caller',
      variants: {
        poc: async () => {
          const lock = await acquire(admin, 'solo-poc', { ttlMs: TTL_MS });
          await lock.release();
        },
        naive: async () => {
          const lock = await naiveAcquire(admin, 'solo-naive', { ttlMs: TTL_MS });
          await lock.release();
        },
        redlock: async () => {
          const lock = await redlocks[0]!.acquire(['redlock:solo'], TTL_MS);
          await lock.release();
        },
      },
      rounds: UNCONTENDED_ROUNDS,
      timeMs: UNCONTENDED_MS,
    });
    report.add(uncontended);

    // 3. Contended: every caller wants the same lock and does the read-modify-write under it.
    const contended = await compareLoad({
      id: 'contended',
      title: `Contended acquire -> read-modify-write -> release, ${CONCURRENCY} callers on one key`,
      variants: {
        poc: (w) => variants.poc(w, 'load'),
        naive: (w) => variants.naive(w, 'load'),
        redlock: (w) => variants.redlock(w, 'load'),
      },
      concurrency: CONCURRENCY,
      durationMs: CONTENDED_MS,
      rounds: CONTENDED_ROUNDS,
    });
    report.add(contended);

    await report.finish(
      "The roadmap's claim, 100% mutual exclusion under contention: of {param:counterIncrements} counter updates by " +
        '{param:concurrency} concurrent workers the POC lost {fact:lost-updates-poc} and redlock {fact:lost-updates-redlock}, ' +
        'the naive GET-then-SET lock {fact:lost-updates-naive} ({fact:lost-updates-naive-share}). ' +
        'Contended throughput, redlock ÷ POC: {ratio:contended/redlock}; naive ÷ POC: {ratio:contended/naive}. ' +
        'Uncontended acquire + release, redlock ÷ POC: {ratio:uncontended/redlock}; naive ÷ POC: {ratio:uncontended/naive}.',
    );
  } finally {
    const raw = redisClient(server.url); // no keyPrefix: KEYS patterns are not prefixed, UNLINK keys would be
    try {
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.unlink(...keys);
    } finally {
      raw.disconnect();
      for (const c of clients) c.disconnect();
    }
  }
});
