// pnpm --filter poc-redis-lock demo: the lock's four promises, each shown against a real Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from '@poc/kit';
import { redisNamespace, serverFor } from '@poc/harness';
import type { Redis } from 'ioredis';
import { acquire, fencedStore, isLockError, tryAcquire, withLock } from './index.ts';
import { withNaiveLock } from './naive.ts';

const say = (line = ''): void => console.log(line);

// The critical section: read, one more round trip of "work", write back + 1.
async function increment(redis: Redis, key: string): Promise<void> {
  const current = Number((await redis.get(key)) ?? '0');
  await redis.ping();
  await redis.set(key, String(current + 1));
}

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix, deleted at the end
  const [a, b] = [ns.client(), ns.client()];
  try {
    say(`Redis distributed lock demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. Acquire and release');
    const lock = await acquire(a, 'report', { ttlMs: 2_000 });
    say(`   A acquired "report": fence ${lock.fence}, token ${lock.token.slice(0, 8)}…, ttl ${lock.ttlMs} ms`);
    say(`   B tries the same lock: ${(await tryAcquire(b, 'report', { ttlMs: 2_000 })) ? 'acquired (!)' : 'busy'}`);
    say(`   A releases it (compare-and-delete): ${await lock.release()}`);

    const WORKERS = 10;
    const EACH = 20;
    say(
      `\n2. Contention: ${WORKERS} workers on ${WORKERS} connections, ${EACH} increments each (expect ${WORKERS * EACH})`,
    );
    const workers = Array.from({ length: WORKERS }, () => ns.client());
    const opts = { ttlMs: 5_000, retryDelayMs: 5, retryJitterMs: 5 };
    await Promise.all(
      workers.map(async (c) => {
        for (let i = 0; i < EACH; i++) await withNaiveLock(c, 'naive', opts, () => increment(c, 'naive-count'));
      }),
    );
    await Promise.all(
      workers.map(async (c) => {
        for (let i = 0; i < EACH; i++) await withLock(c, 'counter', opts, () => increment(c, 'count'));
      }),
    );
    const naive = Number(await a.get('naive-count'));
    const safe = Number(await a.get('count'));
    say(`   naive GET-then-SET lock: counter = ${naive} -> ${WORKERS * EACH - naive} updates lost`);
    say(`   this lock (SET NX PX):   counter = ${safe} -> ${WORKERS * EACH - safe} updates lost`);

    say('\n3. Fencing: a holder pauses past its lease and writes late');
    const store = fencedStore(a, 'invoice');
    const paused = await acquire(a, 'invoice', { ttlMs: 200 });
    say(`   A acquired "invoice" with fence ${paused.fence}, then paused longer than its 200 ms lease`);
    await sleep(300); // the pause: a GC, a swapped-out process, a slow network
    const next = await acquire(b, 'invoice', { ttlMs: 2_000 });
    await store.write(next.fence, 'total=120');
    say(`   B acquired "invoice" with fence ${next.fence} and wrote total=120`);
    await store
      .write(paused.fence, 'total=95')
      .catch((e: unknown) => say(`   A writes with fence ${paused.fence} -> ${String(e)}`));
    const kept = await store.read();
    say(`   store holds ${kept?.value} (fence ${kept?.fence})`);
    await next.release();

    say('\n4. Auto-extension: withLock(ttl 300 ms) around 1 000 ms of work');
    const extensions = await withLock(a, 'nightly', { ttlMs: 300 }, async (signal, held) => {
      await sleep(1_000, undefined, { signal });
      return held.extensions;
    });
    say(`   work finished after ${extensions} extensions, lock never lost`);
    const lost = await withLock(a, 'nightly', { ttlMs: 300 }, async (signal, held) => {
      await b.del(held.key); // another client (an operator, a bug) deletes the lock mid-work
      await sleep(10_000, undefined, { signal });
    }).catch((e: unknown) => e);
    say(
      `   key deleted mid-work -> signal aborted, withLock rejects: ${isLockError(lost, 'lost') ? String(lost) : `unexpected: ${String(lost)}`}`,
    );
    say('\ndone');
  } finally {
    await ns.close();
  }
});
