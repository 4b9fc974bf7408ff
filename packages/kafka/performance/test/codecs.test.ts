// Compression, read back from the broker both ways: what KafkaJS compresses with these codecs is accepted
// by the broker (it decompresses every compressed batch to validate it, with Java's decoders) and read by
// Kafka's Java consumer, and what Kafka's Java producer compresses is read by KafkaJS through them.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import kafkajs, { logLevel, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchingProducer,
  compressionType,
  isPerformanceError,
  producerPerfTest,
  registerCodecs,
  type Compression,
  type KafkaCodec,
} from '../src/index.ts';
import { eventPayloads } from '../src/payloads.ts';
import { runKafkaClass } from '../src/perf-tool.ts';
import { readTopic } from './helpers.ts';

const codecTable = kafkajs.CompressionCodecs as Record<number, () => KafkaCodec>;
const RECORDS = 2_000;
const payloads = eventPayloads(500, 256);

let ns: KafkaNamespace;
let kafka: Kafka;
let producer: Producer;
let dir: string;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'perf_codecs' });
  kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  dir = mkdtempSync(join(tmpdir(), 'perf-codecs-'));
});
afterAll(async () => {
  await producer?.disconnect();
  await ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Counts the batches KafkaJS decompresses per codec: it picks the codec from each stored batch's attributes. */
function countDecompressions(): Map<Compression, number> {
  const counts = new Map<Compression, number>();
  for (const c of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const type = compressionType(c);
    const original = codecTable[type]!;
    codecTable[type] = () => {
      const codec = original();
      return {
        compress: (encoder) => codec.compress(encoder),
        decompress: (buffer) => {
          counts.set(c, (counts.get(c) ?? 0) + 1);
          return codec.decompress(buffer);
        },
      };
    };
  }
  return counts;
}

describe('codecs', () => {
  it('refuses snappy and lz4 before registerCodecs(), naming the fix', () => {
    for (const compression of ['snappy', 'lz4'] as const) {
      const err = (() => {
        try {
          batchingProducer(producer, { topic: 't', compression });
        } catch (e) {
          return e;
        }
      })();
      expect(isPerformanceError(err, 'argument')).toBe(true);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^options.compression cannot be used: KafkaJS has no ${compression} codec yet \\(.*\\): call registerCodecs\\(\\) first`,
        ),
      );
    }
  });

  it(
    "stores each codec's batches compressed with it, read back by KafkaJS and by Kafka's Java consumer",
    { timeout: 120_000 },
    async () => {
      const codecs = registerCodecs().filter((c) => c !== 'none');
      const counts = countDecompressions();
      const topics = new Map<Compression, string>();
      for (const compression of codecs) {
        const topic = ns.topic(`ours-${compression}`);
        await ns.createTopics([{ topic, numPartitions: 1 }]);
        topics.set(compression, topic);
        // 200 000-byte batches: LZ4 frames of several 64 KiB blocks.
        const p = batchingProducer(producer, { topic, compression, batchBytes: 200_000 });
        await Promise.all(
          Array.from({ length: RECORDS }, (_, i) =>
            p.send({ value: `${compression}:${payloads[i % payloads.length]}` }),
          ),
        );
      }

      for (const [compression, topic] of topics) {
        counts.clear();
        const stored = await readTopic(kafka, topic, ns.groupId(`read-${compression}`));
        expect(stored.map((r) => r.value)).toEqual(
          Array.from({ length: RECORDS }, (_, i) => `${compression}:${payloads[i % payloads.length]}`),
        );
        expect(counts.get(compression)).toBeGreaterThan(0); // the batches say they are compressed with it
      }

      const out = await runKafkaClass('org.apache.kafka.tools.consumer.ConsoleConsumer', [
        '--bootstrap-server',
        ns.brokers,
        '--include',
        `${ns.prefix.replace(/[.]/g, '\\.')}\\.ours-.*`,
        '--group',
        ns.groupId('java-reader'),
        '--from-beginning',
        '--max-messages',
        String(RECORDS * codecs.length),
        '--timeout-ms',
        '60000',
      ]);
      const lines = out.trim().split('\n');
      for (const compression of codecs) {
        const mine = lines.filter((l) => l.startsWith(`${compression}:`));
        expect(mine).toEqual(
          Array.from({ length: RECORDS }, (_, i) => `${compression}:${payloads[i % payloads.length]}`),
        );
      }
    },
  );

  it(
    "reads what Kafka's Java producer compressed (ProducerPerformance), as many records as the tool reports",
    { timeout: 120_000 },
    async () => {
      const codecs = registerCodecs().filter((c) => c !== 'none');
      const counts = countDecompressions();
      const file = join(dir, 'payloads.txt');
      writeFileSync(file, payloads.join('\n'));
      for (const compression of codecs) {
        const topic = ns.topic(`java-${compression}`);
        await ns.createTopics([{ topic, numPartitions: 1 }]);
        const summary = await producerPerfTest({
          brokers: ns.brokers,
          topic,
          records: RECORDS,
          payloadFile: file,
          producerProps: { 'compression.type': compression, 'batch.size': 200_000, 'linger.ms': 5 },
        });
        expect(summary.records).toBe(RECORDS);
        counts.clear();
        const stored = await readTopic(kafka, topic, ns.groupId(`read-java-${compression}`));
        expect(stored).toHaveLength(RECORDS);
        expect(stored.every((r) => payloads.includes(r.value))).toBe(true);
        expect(counts.get(compression)).toBeGreaterThan(0);
      }
    },
  );
});
