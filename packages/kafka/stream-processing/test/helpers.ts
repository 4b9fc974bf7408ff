// Test support: topics of one processor, events with explicit timestamps, an independent recount, and
// reading results back from the topics (read_committed).
import type { KafkaNamespace } from '@poc/harness';
import type { Kafka, Producer } from 'kafkajs';
import { onTestFinished } from 'vitest';
import {
  processorTopics,
  readLatestByKey,
  scanTopic,
  type ProcessorTopics,
  type RejectedEvent,
  type WindowCount,
  type WindowResult,
} from '../src/index.ts';

export * from './fixtures.ts';

/** expect.poll() options for reads of topics a transaction just committed to. */
export const POLL = { timeout: 20_000, interval: 200 };

export async function createProcessorTopics(
  ns: KafkaNamespace,
  base: string,
  partitions = 2,
): Promise<ProcessorTopics> {
  const topics = {
    input: ns.topic(`${base}.input`),
    output: ns.topic(`${base}.output`),
    changelog: ns.topic(`${base}.changelog`),
    lateEvents: ns.topic(`${base}.late`),
  };
  await ns.createTopics(processorTopics(topics, partitions));
  return topics;
}

export async function producerFor(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

export interface TestEvent {
  key: string;
  /** Event time, epoch ms: sent as the message's timestamp. */
  time: number;
}

export async function sendEvents(producer: Producer, topic: string, events: readonly TestEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({ key: e.key, value: `${e.key}@${e.time}`, timestamp: String(e.time) })),
  });
}

/**
 * The expected counts, recomputed from scratch without the library: a tumbling window of `size` holds
 * t in [floor(t/size)*size, +size); a hopping window (size, advance) starting at s holds t when
 * s <= t < s + size, s a multiple of advance. Keys are `${window}|${key}|${start}`.
 */
export function recount(
  events: readonly TestEvent[],
  windows: Array<{ name: string; size: number; advance: number }>,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events)
    for (const w of windows)
      for (let s = Math.floor(e.time / w.advance) * w.advance; s > e.time - w.size; s -= w.advance) {
        const id = `${w.name}|${e.key}|${s}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
  return counts;
}

export const asMap = (counts: readonly WindowCount[]): Map<string, number> =>
  new Map(counts.map((c) => [`${c.window}|${c.key}|${c.start}`, c.count]));

export const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/** The committed state in a changelog topic: latest value per key, tombstones dropped. */
export async function changelogState(kafka: Kafka, topic: string): Promise<Map<string, number>> {
  const { latest } = await readLatestByKey(kafka, topic, { groupPrefix: `${topic}.check` });
  const state = new Map<string, number>();
  for (const r of latest.values()) {
    if (r.value === null) continue;
    const c = JSON.parse(r.value.toString()) as WindowCount;
    state.set(`${c.window}|${c.key}|${c.start}`, c.count);
  }
  return state;
}

/** Every committed record of the output topic, in order per window. */
export async function outputRecords(kafka: Kafka, topic: string): Promise<WindowResult[]> {
  const records: WindowResult[] = [];
  await scanTopic(kafka, topic, (r) => void records.push(JSON.parse(r.value!.toString()) as WindowResult), {
    groupPrefix: `${topic}.check`,
  });
  return records;
}

/** The latest committed output per window: what a downstream reader of the output topic ends with. */
export function latestOutput(records: readonly WindowResult[]): Map<string, number> {
  return new Map(records.map((r) => [`${r.window}|${r.key}|${r.start}`, r.count]));
}

export async function lateRecords(kafka: Kafka, topic: string): Promise<RejectedEvent[]> {
  const records: RejectedEvent[] = [];
  await scanTopic(kafka, topic, (r) => void records.push(JSON.parse(r.value!.toString()) as RejectedEvent), {
    groupPrefix: `${topic}.check`,
  });
  return records;
}
