// pnpm --filter poc-resilience-dedup bench: what deduplication costs, in memory and in throughput.
//  - memory: N messages marked on a private Redis (nothing else on it, no persistence), INFO memory's
//    used_memory before and after, divided by N: bytes per message for set-nx (one key with a TTL per
//    message) and for high-water (one key per partition, whatever N); MEMORY USAGE of one mark beside it.
//  - throughput: one effect per new message (HINCRBY of its counter) with no dedup (MULTI/EXEC), with
//    set-nx and high-water in one Lua script with the mark, and with set-nx's two-step once() (SET NX,
//    then the effect), side by side in one process on the shared Redis.
// Writes bench/results.json (never edit it by hand; the README's "Measured" section is rendered from it).
import { privateRedis, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { benchProfile, benchReport, compareLoad, summarize } from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { dedup, type Dedup } from '../src/index.ts';
import { naiveDedup } from '../src/naive.ts';
import { countEffect } from '../src/lab/consumer.ts';

const KEYS = benchProfile() === 'short' ? 10_000 : 100_000;
const MEMORY_SAMPLES = 3;
const CONCURRENCY = 16;
const DURATION_MS = 2_000;
const ROUNDS = 6;
const TTL_MS = 24 * 3_600_000;
const PARTITIONS = 64;

const usedMemory = async (redis: Redis): Promise<number> =>
  Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

/** Marks KEYS messages through `subject` (1000 in flight at a time); returns bytes of used_memory per message. */
async function bytesPerMessage(
  redis: Redis,
  subject: Dedup,
  id: (i: number) => string,
  partition: (i: number) => string,
): Promise<number> {
  await redis.flushdb(); // a private server: nothing else lives on it
  const before = await usedMemory(redis);
  for (let i = 0; i < KEYS; i += 1_000)
    await Promise.all(
      Array.from({ length: Math.min(1_000, KEYS - i) }, (_, j) =>
        subject.onceInRedis({ id: id(i + j), partition: partition(i + j) }, []),
      ),
    );
  return ((await usedMemory(redis)) - before) / KEYS;
}

runMain(async () => {
  const memoryServer = await privateRedis();
  const ns = await redisNamespace({ name: 'dedup_bench' }); // a key prefix of its own on the shared server
  const mem = redisClient(memoryServer.url);
  try {
    const shared = await serverFor('redis');
    const report = benchReport({
      parameters: {
        memoryKeys: KEYS,
        memorySamples: MEMORY_SAMPLES,
        markKey: 'dedup:seen:orders:m<i> (set-nx, PX 24 h) / dedup:hw:orders (high-water)',
        memoryServer: 'a private redis-server, no persistence, nothing else stored',
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        effect: 'HINCRBY applied <id> 1',
        highWaterPartitions: PARTITIONS,
        throughputServer: `shared ${shared.service} ${shared.version}, persistence as the harness starts it (none)`,
      },
      services: ['redis'],
    });

    const hwIds = (i: number): string => `${1_700_000_000_000 + i}-0`;
    const setNxMem = dedup(mem, { prefix: 'dedup', strategy: { kind: 'set-nx', ttlMs: TTL_MS } });
    const hwMem = dedup(mem, { prefix: 'dedup', strategy: { kind: 'high-water' } });
    const samples = { setNx: [] as number[], highWater: [] as number[] };
    for (let s = 0; s < MEMORY_SAMPLES; s++) {
      samples.setNx.push(
        await bytesPerMessage(
          mem,
          setNxMem,
          (i) => `m${i}`,
          () => 'orders',
        ),
      );
      samples.highWater.push(await bytesPerMessage(mem, hwMem, hwIds, () => 'orders'));
    }
    report.add({
      id: 'bytes-set-nx',
      title: `set-nx: used_memory per marked message (${KEYS} messages)`,
      unit: 'bytes',
      summary: summarize(samples.setNx),
    });
    report.add({
      id: 'bytes-high-water',
      title: `high-water: used_memory per marked message (${KEYS} messages, one partition)`,
      unit: 'bytes',
      summary: summarize(samples.highWater),
    });
    await setNxMem.onceInRedis({ id: 'm0', partition: 'orders' }, []);
    report.add({
      id: 'memory-usage-set-nx-key',
      title: 'MEMORY USAGE of one set-nx mark (dedup:seen:orders:m0)',
      value: Number(await mem.call('MEMORY', 'USAGE', 'dedup:seen:orders:m0')),
      unit: 'bytes',
    });
    report.add({
      id: 'memory-usage-high-water-key',
      title: 'MEMORY USAGE of one high-water mark (dedup:hw:orders)',
      value: Number(await mem.call('MEMORY', 'USAGE', 'dedup:hw:orders')),
      unit: 'bytes',
    });

    const redis = ns.client();
    let next = 0;
    const strategyOf = { kind: 'set-nx', ttlMs: TTL_MS } as const;
    const none = naiveDedup(redis, { prefix: 'none', strategy: strategyOf });
    const setNx = dedup(redis, { prefix: 'sx', strategy: strategyOf });
    const highWater = dedup(redis, { prefix: 'hw', strategy: { kind: 'high-water' } });
    let skipped = 0;
    const load = await compareLoad({
      id: 'throughput',
      title: `one effect per new message, ${CONCURRENCY} concurrent callers: no dedup vs set-nx and high-water (one Lua script) vs set-nx two steps`,
      variants: {
        none: async () => void (await none.onceInRedis({ id: `n${next++}` }, countEffect('none'))),
        'set-nx': async () => void (await setNx.onceInRedis({ id: `s${next++}` }, countEffect('set-nx'))),
        'high-water': async () => {
          const i = next++;
          if (
            !(await highWater.onceInRedis({ id: hwIds(i), partition: `p${i % PARTITIONS}` }, countEffect('high-water')))
          )
            skipped++;
        },
        'set-nx-two-steps': async () =>
          void (await setNx.once({ id: `t${next++}` }, async () => {
            await redis.hincrby('applied', 'set-nx-two-steps', 1);
          })),
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(load);
    report.add({
      id: 'high-water-skipped',
      title: 'high-water messages skipped because a later id of their partition finished first',
      value: skipped,
      unit: 'messages',
    });
    await report.finish(
      'POC’s own claim, measured: a set-nx mark costs {measure:bytes-set-nx} of Redis memory per message and a high-water mark {measure:bytes-high-water} per message (one key per partition); ' +
        'deduplicating in one Lua script with the effect runs at {ratio:throughput/set-nx} (set-nx) and {ratio:throughput/high-water} (high-water) of the throughput of no dedup, the two-step set-nx at {ratio:throughput/set-nx-two-steps}.',
    );
  } finally {
    mem.disconnect();
    await ns.close();
    await memoryServer.close();
  }
});
