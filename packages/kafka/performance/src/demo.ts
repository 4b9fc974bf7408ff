// pnpm --filter poc-kafka-performance demo: how KafkaJS batches (it does not, across send() calls),
// what batchingProducer's batch size and linger do to the record batches the broker stores, what the
// codecs do to the bytes, and one run of Kafka's own producer perf tool next to KafkaJS on the same broker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, kafkaNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import kafkajs, { logLevel, type Kafka } from 'kafkajs';
import {
  batchingProducer,
  compressionType,
  producerPerfTest,
  registerCodecs,
  zstdUnavailable,
  type BatchingProducer,
  type KafkaCodec,
} from './index.ts';
import { naiveProducer } from './naive.ts';
import { eventPayloads } from './payloads.ts';

const say = (line = ''): void => console.log(line);

/** How many record batches the broker stored for `topic`: KafkaJS keeps each record's batch first offset. */
async function storedBatches(kafka: Kafka, topic: string, groupId: string, expected: number): Promise<number[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const sizes = new Map<string, number>();
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const first = (message as { batchContext?: { firstOffset: string } }).batchContext?.firstOffset ?? '?';
        sizes.set(first, (sizes.get(first) ?? 0) + 1);
        seen++;
      },
    });
    await eventually(() => seen >= expected, { timeoutMs: 60_000, what: `${expected} records of ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return [...sizes.values()];
}

const summary = (sizes: number[]): string => {
  const counts = new Map<number, number>();
  for (const s of sizes) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([size, n]) => `${n} × ${size}`)
    .join(', ');
};

runMain(async () => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // topics and group ids of its own, removed at the end
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const dir = mkdtempSync(join(tmpdir(), 'perf-demo-'));
  const payloads = eventPayloads(1_000, 256);
  let n = 0;
  const topic = async (base: string): Promise<string> => {
    const name = ns.topic(`${base}-${n++}`);
    await ns.createTopics([{ topic: name, numPartitions: 1 }]);
    return name;
  };
  try {
    await producer.connect();
    say(`KafkaJS producer performance demo: kafka ${server.version} (${server.provider}), 256-byte JSON events`);

    say('\n1. Codecs: KafkaJS ships gzip; the rest are slots in its codec table');
    const codecs = registerCodecs();
    say(`   registered: ${codecs.join(', ')} (snappy: kafkajs-snappy; lz4: lz4js in Kafka's LZ4 frame format)`);
    const zstd = zstdUnavailable();
    if (zstd) say(`   zstd: not available, ${zstd}`);

    say('\n2. 2000 callers send one message each, at once (acks=all): record batches stored by the broker');
    for (const [label, make] of [
      ['one send() per message', naiveProducer],
      ['batchingProducer, 16 KiB', batchingProducer],
    ] as const) {
      const t = await topic('callers');
      const p: BatchingProducer = make(producer, { topic: t, batchBytes: 16_384 });
      await Promise.all(Array.from({ length: 2_000 }, (_, i) => p.send({ value: payloads[i % payloads.length]! })));
      const sizes = await storedBatches(kafka, t, ns.groupId(`read-${t}`), 2_000);
      say(
        `   ${label.padEnd(26)} ${String(p.stats().sends).padStart(4)} send() calls -> ${sizes.length} batches (${summary(sizes)})`,
      );
    }

    say('\n3. A trickle: 200 messages from independent callers, one about every 2 ms (up to 10 batches in flight)');
    for (const lingerMs of [0, 20]) {
      const t = await topic('linger');
      const p = batchingProducer(producer, { topic: t, lingerMs, maxInFlight: 10 });
      const waits: number[] = [];
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        sends.push(p.send({ value: payloads[i]! }).then(() => void waits.push(performance.now() - start)));
        await sleep(2);
      }
      await Promise.all(sends);
      const sizes = await storedBatches(kafka, t, ns.groupId(`read-${t}`), 200);
      const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
      say(
        `   lingerMs ${String(lingerMs).padStart(2)}: ${String(sizes.length).padStart(3)} batches, ${(200 / sizes.length).toFixed(1).padStart(4)} messages each on average; mean send -> ack ${mean.toFixed(1)} ms`,
      );
    }

    say('\n4. What each codec makes of a 64 KiB batch of these events (compressed / raw)');
    const batch = Buffer.from(payloads.slice(0, 256).join(''));
    const table = kafkajs.CompressionCodecs as Record<number, () => KafkaCodec>;
    const ratios: string[] = [];
    for (const c of codecs.filter((x) => x !== 'none')) {
      const codec = table[compressionType(c)]!();
      const packed = await codec.compress({ buffer: batch });
      const back = await codec.decompress(packed);
      ratios.push(
        `${c} ${(packed.length / batch.length).toFixed(2)}${back.equals(batch) ? '' : ' (round trip FAILED)'}`,
      );
    }
    say(`   ${ratios.join(', ')}`);

    say(
      '\n5. One run each, 50 000 events, 64 KiB batches, lz4, acks=all, on the same broker (the bench measures the ratio)',
    );
    const file = join(dir, 'payloads.txt');
    writeFileSync(file, payloads.join('\n'));
    const javaTopic = await topic('java');
    const java = await producerPerfTest({
      brokers: ns.brokers,
      topic: javaTopic,
      records: 50_000,
      payloadFile: file,
      producerProps: { acks: 'all', 'compression.type': 'lz4', 'batch.size': 65_536, 'linger.ms': 0 },
    });
    say(
      `   kafka-producer-perf-test: ${java.records} records, ${Math.round(java.recordsPerSec)} msg/s, p99 ${java.p99Ms} ms`,
    );
    const jsTopic = await topic('kafkajs');
    const p = batchingProducer(producer, { topic: jsTopic, batchBytes: 65_536, compression: 'lz4' });
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 50_000 }, (_, i) => {
        const start = performance.now();
        return p
          .send({ value: payloads[i % payloads.length]! })
          .then(() => void latencies.push(performance.now() - start));
      }),
    );
    const seconds = (performance.now() - t0) / 1_000;
    const p99 = latencies.sort((a, b) => a - b)[Math.ceil(latencies.length * 0.99) - 1]!;
    say(
      `   KafkaJS batchingProducer: ${latencies.length} records, ${Math.round(50_000 / seconds)} msg/s, p99 ${Math.round(p99)} ms`,
    );
    say('\ndone');
  } finally {
    await producer.disconnect().catch(() => undefined);
    await ns.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
