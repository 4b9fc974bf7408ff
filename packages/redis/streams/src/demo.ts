// pnpm --filter poc-redis-streams demo: a consumer group that survives a crashed worker process, the
// NOACK consumer that does not, a poison message set aside, and a stream kept bounded by trimming.
import { fileURLToPath } from 'node:url';
import { eventually, redisNamespace, serverFor, spawnTsWorker } from '@poc/harness';
import { runMain } from '@poc/kit';
import { consume, ensureGroup, pendingSummary, readDeadLetters, streamProducer, type ConsumeStats } from './index.ts';

const WORKER = fileURLToPath(new URL('../test/fixtures/consumer-worker.ts', import.meta.url));

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();
  const say = (line = ''): void => console.log(line);
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const contiguous = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1);
  const list = (xs: number[]): string =>
    xs.length === 0
      ? 'none'
      : xs.length > 2 && contiguous(xs)
        ? `#${xs[0]}..#${xs.at(-1)} (${xs.length})`
        : xs.map((x) => `#${x}`).join(',');

  /** Runs consumer "b" in this process until `done` says so; returns its stats. */
  async function survivor(
    stream: string,
    processedKey: string,
    done: (processed: string[]) => boolean,
  ): Promise<ConsumeStats> {
    const stop = new AbortController();
    const client = ns.client();
    const running = consume<{ n: number }>(client, {
      stream,
      group: 'billing',
      consumer: 'b',
      claimIdleMs: 500,
      claimEveryMs: 100,
      blockMs: 100,
      signal: stop.signal,
      handler: async ({ data }) => void (await client.rpush(processedKey, `b:${data.n}`)),
    });
    await eventually(async () => done(await redis.lrange(processedKey, 0, -1)), {
      timeoutMs: 15_000,
      what: 'survivor done',
    });
    stop.abort();
    return running;
  }

  /** 30 orders, a worker process that takes 10 and is killed while stuck on #3, then a survivor. */
  async function crash(mode: 'ack' | 'noack'): Promise<void> {
    const stream = `orders-${mode}`;
    const processedKey = `${stream}:processed`;
    await ensureGroup(redis, stream, 'billing');
    await streamProducer<{ n: number }>(redis, { stream, maxLen: 10_000 }).addMany(range(1, 30).map((n) => ({ n })));
    const worker = spawnTsWorker(WORKER, [ns.url, ns.prefix, stream, 'billing', 'a', mode, '3', processedKey]);
    try {
      await worker.waitForLine('holding 3');
      if (mode === 'ack') await eventually(async () => (await pendingSummary(redis, stream, 'billing')).count === 8);
      const before = await pendingSummary(redis, stream, 'billing');
      say(
        `   worker a (pid ${worker.process.pid}) took 10, finished #1-2, is stuck on #3; pending: ${JSON.stringify(before.consumers)}`,
      );
      await worker.kill();
      say('   SIGKILL worker a');
    } finally {
      await worker.kill();
    }
    const expected = mode === 'ack' ? 30 : 22;
    const stats = await survivor(stream, processedKey, (p) => p.length >= expected);
    const processed = (await redis.lrange(processedKey, 0, -1)).map((p) => Number(p.split(':')[1]));
    const missing = range(1, 30).filter((n) => !processed.includes(n));
    const duplicates = processed.length - new Set(processed).size;
    say(`   worker b: ${stats.delivered} new, ${stats.reclaimed} reclaimed with XAUTOCLAIM, ${stats.acked} acked`);
    say(
      `   processed ${new Set(processed).size}/30, duplicates ${duplicates}, missing: ${list(missing)}; still pending: ${(await pendingSummary(redis, stream, 'billing')).count}`,
    );
  }

  try {
    say(`Redis streams consumer-group demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. Consumer group, ack after the handler: a worker process is killed holding 8 un-acked orders');
    await crash('ack');

    say('\n2. Same crash with the naive consumer (XREADGROUP ... NOACK: acked on read)');
    await crash('noack');

    say('\n3. A poison message: the handler throws on #666 every time (maxDeliveries 3)');
    await ensureGroup(redis, 'payments', 'billing');
    await streamProducer<{ n: number }>(redis, { stream: 'payments' }).addMany([{ n: 1 }, { n: 666 }, { n: 2 }]);
    const attempts: string[] = [];
    const stop = new AbortController();
    const running = consume<{ n: number }>(ns.client(), {
      stream: 'payments',
      group: 'billing',
      consumer: 'w',
      claimIdleMs: 200,
      claimEveryMs: 50,
      blockMs: 100,
      maxDeliveries: 3,
      signal: stop.signal,
      handler: ({ data, deliveries }) => {
        attempts.push(`#${data.n} (delivery ${deliveries})`);
        if (data.n === 666) throw new Error('card number rejected');
      },
      onDeadLetter: (ids) => say(`   dead-lettered ${ids.join(', ')}`),
    });
    await eventually(async () => (await redis.xlen('payments:dead')) === 1, { what: 'dead letter' });
    stop.abort();
    const stats = await running;
    say(`   handler calls: ${attempts.join(', ')}`);
    const [dead] = await readDeadLetters(redis, 'payments:dead');
    say(
      `   payments:dead holds ${dead!.raw} from ${dead!.originId} after ${dead!.deliveries} deliveries; acked ${stats.acked}, failed ${stats.failed}, pending ${(await pendingSummary(redis, 'payments', 'billing')).count}`,
    );

    say('\n4. Trimming: 5 000 messages into streams capped at 1 050');
    const [, nodeSize] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    for (const exactTrim of [false, true]) {
      const stream = exactTrim ? 'events-exact' : 'events';
      const producer = streamProducer<{ n: number }>(redis, { stream, maxLen: 1_050, exactTrim });
      for (let i = 0; i < 10; i++) await producer.addMany(range(i * 500 + 1, i * 500 + 500).map((n) => ({ n })));
      const [[, oldest]] = (await redis.xrange(stream, '-', '+', 'COUNT', 1)) as [[string, string[]]];
      say(
        `   MAXLEN ${exactTrim ? '=' : '~'} 1050: XLEN ${await redis.xlen(stream)}, oldest kept ${oldest[1]}${exactTrim ? '' : ` (whole nodes of up to ${nodeSize} entries are dropped)`}`,
      );
    }
    say('\ndone');
  } finally {
    await ns.close();
  }
});
