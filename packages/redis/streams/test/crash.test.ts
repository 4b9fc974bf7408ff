import { fileURLToPath } from 'node:url';
import { eventually, redisNamespace, spawnTsWorker, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  consume,
  ensureGroup,
  pendingSummary,
  readDeadLetters,
  streamProducer,
  type ConsumeOptions,
  type ConsumeStats,
} from '../src/index.ts';

const WORKER = fileURLToPath(new URL('./fixtures/consumer-worker.ts', import.meta.url));
const MESSAGES = 30;
const HANG_ON = 3; // the killed worker finishes 1 and 2, is stuck on 3 and holds 3..10 (its batch of 10)
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'streamcrash' });
  redis = ns.client();
});
afterAll(() => ns?.close());

/** Fills a fresh stream with messages n = 1..30 and starts a worker process on it that gets stuck on n = 3. */
async function crashScenario(name: string, mode: 'ack' | 'noack') {
  const stream = `${name}:stream`;
  await ensureGroup(redis, stream, 'workers');
  await streamProducer<{ n: number }>(redis, { stream }).addMany(range(1, MESSAGES).map((n) => ({ n })));
  const worker = spawnTsWorker(WORKER, [
    ns.url,
    ns.prefix,
    stream,
    'workers',
    'a',
    mode,
    String(HANG_ON),
    `${name}:processed`,
  ]);
  onTestFinished(() => worker.kill());
  return { stream, worker };
}

/** Runs consumer "b" in this process until `until` holds; returns its stats and what was processed overall. */
async function runSurvivor(
  name: string,
  stream: string,
  until: (processed: string[]) => boolean | Promise<boolean>,
  options: Partial<ConsumeOptions<{ n: number }>> = {},
): Promise<{ stats: ConsumeStats; processed: string[] }> {
  const stop = new AbortController();
  onTestFinished(() => stop.abort());
  const client = ns.client();
  const running = consume<{ n: number }>(client, {
    stream,
    group: 'workers',
    consumer: 'b',
    signal: stop.signal,
    claimIdleMs: 300,
    claimEveryMs: 100,
    blockMs: 100,
    handler: async ({ data }) => void (await client.rpush(`${name}:processed`, `b:${data.n}`)),
    ...options,
  });
  const processed = await eventually(
    async () => {
      const list = await redis.lrange(`${name}:processed`, 0, -1);
      return (await until(list)) ? list : undefined;
    },
    { timeoutMs: 15_000, what: `${name}: survivor finished` },
  );
  stop.abort();
  return { stats: await running, processed };
}

const numbers = (processed: string[], who?: string): number[] =>
  processed
    .filter((p) => who === undefined || p.startsWith(`${who}:`))
    .map((p) => Number(p.split(':')[1]))
    .sort((x, y) => x - y);

describe('a consumer process killed while it holds un-acked messages', () => {
  it('loses nothing: another consumer claims its pending messages with XAUTOCLAIM and every id is processed exactly once', async () => {
    const { stream, worker } = await crashScenario('acked', 'ack');
    await worker.waitForLine(`holding ${HANG_ON}`);
    // 1 and 2 are acked (their XACKs may still be on the wire); 3..10 are delivered to "a" and not acked.
    await eventually(async () => (await pendingSummary(redis, stream, 'workers')).count === 8, { what: 'a holds 8' });
    expect(await pendingSummary(redis, stream, 'workers')).toEqual({ count: 8, consumers: { a: 8 } });

    await worker.kill(); // SIGKILL: no finally, no shutdown hook

    const { stats, processed } = await runSurvivor('acked', stream, (list) => list.length >= MESSAGES);
    expect(stats).toMatchObject({ delivered: 20, reclaimed: 8, acked: 28, failed: 0, deadLettered: 0 });
    expect(numbers(processed)).toEqual(range(1, MESSAGES));
    expect(numbers(processed, 'a')).toEqual([1, 2]);
    expect(numbers(processed, 'b')).toEqual(range(3, MESSAGES));
    expect(await pendingSummary(redis, stream, 'workers')).toEqual({ count: 0, consumers: {} });
  });

  it('dead-letters only the message its handler held (maxDeliveries 1): the 7 it read but never started run on the survivor', async () => {
    const { stream, worker } = await crashScenario('maxone', 'ack');
    await worker.waitForLine(`holding ${HANG_ON}`);
    await eventually(async () => (await pendingSummary(redis, stream, 'workers')).count === 8, { what: 'a holds 8' });

    await worker.kill();

    const { stats, processed } = await runSurvivor(
      'maxone',
      stream,
      async (list) => list.length >= MESSAGES - 8 && (await pendingSummary(redis, stream, 'workers')).count === 0,
      { maxDeliveries: 1 },
    );
    const dead = await readDeadLetters(redis, `${stream}:dead`);
    expect(dead.map(({ raw, deliveries }) => ({ raw, deliveries }))).toEqual([
      { raw: JSON.stringify({ n: HANG_ON }), deliveries: 1 },
    ]);
    expect(numbers(processed, 'b')).toEqual(range(4, MESSAGES));
    expect(stats).toMatchObject({ delivered: 20, reclaimed: 7, acked: 27, deadLettered: 1 });
  });

  it('breaks with the naive NOACK consumer: the killed process takes 3..10 with it and nobody can claim them', async () => {
    const { stream, worker } = await crashScenario('naive', 'noack');
    await worker.waitForLine(`holding ${HANG_ON}`);
    expect((await pendingSummary(redis, stream, 'workers')).count).toBe(0); // NOACK: nothing was ever pending

    await worker.kill();

    // Same survivor as above (it would claim anything pending): it ends with 22 of 30, and the gap is final.
    const { stats, processed } = await runSurvivor('naive', stream, (list) => list.length >= MESSAGES - 8);
    expect(stats).toMatchObject({ delivered: 20, reclaimed: 0, acked: 20 });
    expect(numbers(processed)).toEqual([1, 2, ...range(11, MESSAGES)]);
    expect(range(1, MESSAGES).filter((n) => !numbers(processed).includes(n))).toEqual(range(3, 10));
    expect(await pendingSummary(redis, stream, 'workers')).toEqual({ count: 0, consumers: {} });
  });
});
