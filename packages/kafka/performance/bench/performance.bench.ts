// pnpm --filter poc-kafka-performance bench
// Producer settings side by side, as messages/s (ratios within each round) and per-message send → ack
// latency, on the shared broker (1 node, replication factor 1) and on a private 3-node cluster:
//   callers     64 callers each awaiting its own send() (a service producing one event per request):
//               one send() per message (naive) vs batchingProducer with lingerMs 0 and 5
//   batch-size  every message offered at once (Java's --throughput -1): batchBytes 16, 64, 256 KiB
//   compression the same, at the best batch size of this run: none, gzip, snappy, lz4 (zstd where Node has it)
//   acks        64 callers: acks=all, 1 and 0 on the 1-node broker, then on the 3-node cluster (RF 3, min ISR 2)
//   perf-tool   KafkaJS at the best batch size and compression of this run vs Kafka's own
//               kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance), same broker, same
//               records, count, acks, compression, batch.size and linger.ms, in the same run
// Every sample writes to a fresh 1-partition topic (created untimed, deleted after); every variant has
// one untimed warm-up sample; the harness interleaves the rounds (compareRounds). A KafkaJS sample is
// timed from its first send() to the last acknowledgement; a perf-tool sample is the tool's own summary
// (its first send to its last callback, in a fresh JVM each time, as the tool always runs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchProfile,
  benchReport,
  compareRounds,
  eventually,
  kafkaNamespace,
  latencySummary,
  privateKafka,
  type KafkaCluster,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import kafkajs, { logLevel, type Admin, type Kafka, type Producer } from 'kafkajs';
import {
  batchingProducer,
  compressionType,
  producerPerfTest,
  registerCodecs,
  zstdUnavailable,
  type BatchingOptions,
  type BatchingProducer,
  type Compression,
  type KafkaCodec,
} from '../src/index.ts';
import { naiveProducer } from '../src/naive.ts';
import { eventPayloads } from '../src/payloads.ts';
import { brokerDurability, drive } from './helpers.ts';

const SHORT = benchProfile() === 'short';
const RECORD_BYTES = 256;
const ROUNDS = 5; // 93.7% intervals (min–max of the 5 per-round ratios)
const CALLERS = 64;
/** Messages per sample, per comparison. */
const N = {
  callers: SHORT ? 300 : 2_000,
  open: SHORT ? 5_000 : 30_000,
  acks: SHORT ? 1_000 : 4_000,
  perfTool: SHORT ? 20_000 : 100_000,
  acksCluster: SHORT ? 500 : 2_000,
};
/** Java's buffer.memory (32 MiB): how much the perf tool holds unsent before send() blocks; our window is the same. */
const WINDOW = Math.floor((32 * 1024 * 1024) / RECORD_BYTES);
const KIB = 1024;
const BATCHES = [16 * KIB, 64 * KIB, 256 * KIB];

const payloads = eventPayloads(1_000, RECORD_BYTES).map((value) => ({ value }));
const kib = (bytes: number): string => `${bytes / KIB} KiB`;

runMain(async () => {
  registerCodecs();
  const codecs: Compression[] = ['none', 'gzip', 'snappy', 'lz4', ...(zstdUnavailable() ? [] : ['zstd' as const])];
  const ns = await kafkaNamespace({ name: 'perf_bench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let cluster: KafkaCluster | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  const dir = mkdtempSync(join(tmpdir(), 'perf-bench-'));
  const payloadFile = join(dir, 'payloads.txt');
  writeFileSync(payloadFile, payloads.map((m) => m.value).join('\n'));
  const facts: Array<{ id: string; title: string; value: string | number; unit?: string }> = [];
  const comparisons: Parameters<ReturnType<typeof benchReport>['add']>[0][] = [];
  let topics = 0;
  interface Broker {
    kafka: Kafka;
    admin: Admin;
    rf: number;
  }

  /**
   * A fresh 1-partition topic on `on` for one sample, deleted after it, and (for KafkaJS) a fresh producer
   * connected before the clock starts, as the perf tool gets a fresh one per run. (A KafkaJS producer also
   * keeps every topic it ever sent to in its metadata requests, and fails once one of them is deleted.)
   */
  async function withTopic<T>(on: Broker, run: (topic: string, producer: Producer) => Promise<T>): Promise<T> {
    const topic = ns.topic(`s${topics++}`);
    await on.admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: on.rf,
          ...(on.rf > 1 ? { configEntries: [{ name: 'min.insync.replicas', value: '2' }] } : {}),
        },
      ],
    });
    await eventually(
      async () => {
        const p = (await on.admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions[0];
        return p !== undefined && p.leader >= 0 && p.isr.length === on.rf;
      },
      { timeoutMs: 30_000, intervalMs: 20, what: `${topic} with ${on.rf} in-sync replica(s)` },
    );
    const producer = on.kafka.producer();
    try {
      await producer.connect();
      return await run(topic, producer);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await on.admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    }
  }

  type Make = (producer: Producer, options: BatchingOptions) => BatchingProducer;
  interface Variant {
    make: Make;
    options: Omit<BatchingOptions, 'topic'>;
  }

  /**
   * One comparison of KafkaJS variants: a warm-up sample each, then interleaved rounds; latencies of the
   * timed samples are attached to the variants, and the messages per send() and MB/s kept as facts.
   */
  async function compare(
    id: string,
    title: string,
    on: Broker,
    n: number,
    window: number,
    variants: Record<string, Variant>,
  ) {
    const latencies = new Map(Object.keys(variants).map((name) => [name, [] as number[]]));
    const perSend = new Map(Object.keys(variants).map((name) => [name, { sends: 0, messages: 0 }]));
    const sample = (name: string, timed: boolean) => () =>
      withTopic(on, async (topic, producer) => {
        const v = variants[name]!;
        const p = v.make(producer, { topic, ...v.options });
        const result = await drive(p, payloads, n, window, timed ? latencies.get(name) : undefined);
        await p.flush();
        if (timed) {
          const s = p.stats();
          const acc = perSend.get(name)!;
          acc.sends += s.sends;
          acc.messages += s.messages;
        }
        return result;
      });
    for (const name of Object.keys(variants)) await sample(name, false)(); // warm-up
    const comparison = await compareRounds({
      id,
      title,
      kind: 'load',
      concurrency: Math.min(window, n),
      rounds: ROUNDS,
      unit: 'msg/s',
      variants: Object.fromEntries(Object.keys(variants).map((name) => [name, sample(name, true)])),
    });
    for (const v of comparison.variants) v.latencyMs = latencySummary(latencies.get(v.name)!);
    comparisons.push(comparison);
    const list = (f: (name: string, median: number) => string): string =>
      comparison.variants.map((v) => f(v.name, v.opsPerSec.median)).join(' · ');
    facts.push(
      {
        id: `mbps-${id}`,
        title: `${id}: MB/s (median msg/s × ${RECORD_BYTES} B ÷ 10⁶)`,
        value: list((name, m) => {
          const mbps = (m * RECORD_BYTES) / 1e6;
          return `${name} ${mbps.toFixed(mbps < 10 ? 2 : 1)}`;
        }),
      },
      {
        id: `per-send-${id}`,
        title: `${id}: messages per KafkaJS send() (= per record batch), timed samples`,
        value: list((name) => {
          const s = perSend.get(name)!;
          return `${name} ${(s.messages / Math.max(1, s.sends)).toFixed(1)}`;
        }),
      },
    );
    return comparison;
  }

  const batched = (options: Omit<BatchingOptions, 'topic'>): Variant => ({ make: batchingProducer, options });
  const best = (c: { variants: Array<{ name: string; opsPerSec: { median: number } }> }): string =>
    c.variants.reduce((a, b) => (b.opsPerSec.median > a.opsPerSec.median ? b : a)).name;

  // Keeps the event loop alive while private cluster nodes are stopped: the harness awaits their exit
  // without holding the loop open, and a bench with nothing else left would end mid-await.
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    await admin.connect();
    closers.push(() => admin.disconnect());
    const single: Broker = { kafka, admin, rf: 1 };
    const durability = await brokerDurability(admin);

    await compare(
      'callers',
      `${CALLERS} callers, each awaiting its own send() of one ${RECORD_BYTES} B message (acks=all, 16 KiB batches): msg/s and send → ack ms`,
      single,
      N.callers,
      CALLERS,
      {
        'send() per message (naive)': { make: naiveProducer, options: {} },
        'batched, linger 0': batched({ lingerMs: 0 }),
        'batched, linger 5 ms': batched({ lingerMs: 5 }),
      },
    );

    const sizes = await compare(
      'batch-size',
      `${N.open} messages of ${RECORD_BYTES} B offered at once (acks=all, no compression, linger 0): msg/s and send → ack ms`,
      single,
      N.open,
      WINDOW,
      Object.fromEntries(BATCHES.map((b) => [`batch ${kib(b)}`, batched({ batchBytes: b })])),
    );
    const bestBatch = BATCHES.find((b) => `batch ${kib(b)}` === best(sizes))!;

    const compression = await compare(
      'compression',
      `${N.open} messages of ${RECORD_BYTES} B offered at once, ${kib(bestBatch)} batches (this run's best), acks=all: msg/s and send → ack ms`,
      single,
      N.open,
      WINDOW,
      Object.fromEntries(codecs.map((c) => [c, batched({ batchBytes: bestBatch, compression: c })])),
    );
    const bestCodec = best(compression) as Compression;

    const acksVariants = {
      'acks=all': batched({ acks: -1 }),
      'acks=1': batched({ acks: 1 }),
      'acks=0': batched({ acks: 0 }),
    };
    await compare(
      'acks',
      `${CALLERS} callers, each awaiting its own send(), 1 broker (replication factor 1), 16 KiB batches, linger 0: msg/s and send → ack ms`,
      single,
      N.acks,
      CALLERS,
      acksVariants,
    );

    // Kafka's own perf tool vs KafkaJS at this run's best batch size and compression.
    const setting = `batchBytes ${kib(bestBatch)}, ${bestCodec}, acks=all, linger 0`;
    facts.push({
      id: 'best-setting',
      title: "KafkaJS's best setting in this run (batch-size, then compression)",
      value: setting,
    });
    const javaP99: number[] = [];
    const kafkajsLatencies: number[] = [];
    const javaSample = () =>
      withTopic(single, async (topic): Promise<RoundSample> => {
        const r = await producerPerfTest({
          brokers: ns.brokers,
          topic,
          records: N.perfTool,
          payloadFile,
          producerProps: { acks: 'all', 'compression.type': bestCodec, 'batch.size': bestBatch, 'linger.ms': 0 },
        });
        javaP99.push(r.p99Ms);
        return { ops: r.records, seconds: r.records / r.recordsPerSec };
      });
    const kafkajsSample = (timed: boolean) => () =>
      withTopic(single, async (topic, producer) => {
        const p = batchingProducer(producer, { topic, batchBytes: bestBatch, compression: bestCodec, acks: -1 });
        return drive(p, payloads, N.perfTool, WINDOW, timed ? kafkajsLatencies : undefined);
      });
    await javaSample();
    javaP99.length = 0;
    await kafkajsSample(false)();
    const perfTool = await compareRounds({
      id: 'perf-tool',
      title: `${N.perfTool} messages of ${RECORD_BYTES} B, ${setting}, flat out: Kafka's kafka-producer-perf-test vs KafkaJS batchingProducer`,
      kind: 'load',
      concurrency: Math.min(WINDOW, N.perfTool),
      rounds: ROUNDS,
      unit: 'msg/s',
      variants: { 'kafka-producer-perf-test': javaSample, 'KafkaJS batchingProducer': kafkajsSample(true) },
    });
    perfTool.variants.find((v) => v.name === 'KafkaJS batchingProducer')!.latencyMs = latencySummary(kafkajsLatencies);
    comparisons.push(perfTool);
    facts.push({
      id: 'perf-tool-p99',
      title: "kafka-producer-perf-test's own p99 per timed run (whole ms, send → callback)",
      value: javaP99.join(', '),
      unit: 'ms',
    });

    // acks where they matter: three nodes, replication factor 3, min.insync.replicas 2.
    cluster = await privateKafka({ brokers: 3 });
    const clusterKafka: Kafka = cluster.kafka({ logLevel: logLevel.NOTHING });
    const clusterAdmin = clusterKafka.admin();
    await clusterAdmin.connect();
    closers.unshift(() => clusterAdmin.disconnect());
    const clusterDurability = await brokerDurability(clusterAdmin);
    await compare(
      'acks-cluster',
      `${CALLERS} callers, each awaiting its own send(), 3 brokers, replication factor 3, min.insync.replicas 2, 16 KiB batches, linger 0: msg/s and send → ack ms`,
      { kafka: clusterKafka, admin: clusterAdmin, rf: 3 },
      N.acksCluster,
      CALLERS,
      acksVariants,
    );

    const sample = Buffer.from(
      payloads
        .slice(0, Math.floor(bestBatch / RECORD_BYTES))
        .map((m) => m.value)
        .join(''),
    );
    const codecTable = kafkajs.CompressionCodecs as Record<number, () => KafkaCodec>;
    const sizesOf: Record<string, number> = {};
    for (const c of codecs.filter((x) => x !== 'none'))
      sizesOf[c] = (await codecTable[compressionType(c)]!().compress({ buffer: sample })).length;
    facts.push({
      id: 'compressed-size',
      title: `Compressed ÷ raw size of ${kib(bestBatch)} of these records (their values concatenated)`,
      value: Object.entries(sizesOf)
        .map(([c, size]) => `${c} ${(size / sample.length).toFixed(2)}`)
        .join(' · '),
    });
    if (zstdUnavailable()) facts.push({ id: 'zstd', title: 'zstd', value: `not measured: ${zstdUnavailable()}` });

    const report = benchReport({
      parameters: {
        recordBytes: RECORD_BYTES,
        records: 'JSON events, 1 000 distinct, the same list for KafkaJS and the perf tool (--payload-file)',
        partitions: 1,
        rounds: ROUNDS,
        callers: CALLERS,
        messagesCallers: N.callers,
        messagesOffered: N.open,
        messagesAcks: N.acks,
        messagesPerfTool: N.perfTool,
        messagesAcksCluster: N.acksCluster,
        window: `${WINDOW} messages (32 MiB, Java's buffer.memory)`,
        freshState: 'a new topic per sample, created untimed and deleted after it',
        warmup: '1 untimed sample per variant',
        kafkajs: 'KafkaJS 2.2.4, a fresh producer per sample (connected untimed), not idempotent, maxInFlight 1',
        perfTool:
          'ProducerPerformance 3.9.1, --throughput -1, a fresh JVM (-Xmx512m) per sample; other producer settings at their defaults (max.in.flight 5, idempotence on with acks=all, buffer.memory 32 MiB)',
        singleBroker: `${durability}; replication factor 1`,
        cluster: `${clusterDurability}; 3 combined KRaft nodes on loopback, replication factor 3, min.insync.replicas 2`,
        zstd: zstdUnavailable() ? 'not measured (no zstd in this Node)' : 'node:zlib zstd',
      },
      services: ['kafka'],
    });
    for (const c of comparisons) report.add(c);
    for (const f of facts) report.add(f);
    await report.finish(
      "KafkaJS's best setting of this run ({fact:best-setting}) ÷ Kafka's own kafka-producer-perf-test on the same broker: " +
        '{ratio:perf-tool/KafkaJS batchingProducer}. With {param:callers} callers each awaiting its send, batching ÷ one send() per ' +
        'message: {ratio:callers/batched, linger 0}. acks=1 ÷ acks=all on 3 brokers (RF 3): {ratio:acks-cluster/acks=1}; ' +
        'on 1 broker: {ratio:acks/acks=1}. lz4 ÷ none: {ratio:compression/lz4}.',
    );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
    await ns.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
});
