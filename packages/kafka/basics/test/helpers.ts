import { type KafkaNamespace } from '@poc/harness';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { onTestFinished } from 'vitest';
import { z } from 'zod';
import { topic } from '../src/index.ts';

/** The value every test sends: which entity it is about and its position in that entity's history. */
export const eventSchema = z.object({ entity: z.string().min(1), seq: z.number().int().nonnegative() });
export type Event = z.infer<typeof eventSchema>;
export const eventTopic = (name: string) => topic({ name, schema: eventSchema });

/** Test-friendly timings: a consumer that leaves or dies gives its partitions up within seconds. */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 100,
};

/**
 * A connected idempotent producer, disconnected when the test ends. Idempotent because a plain
 * producer that retries a partly failed request (e.g. "not the leader" just after a topic is created)
 * writes the partitions that had succeeded twice: a test run once saw 207 messages for 200 sent.
 */
export async function producerFor(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

/** A connected consumer in `groupId`, disconnected when the test ends (disconnect is idempotent). */
export async function consumerFor(ns: KafkaNamespace, groupId: string, kafka: Kafka = ns.kafka()): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, ...FAST_GROUP });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  return consumer;
}

export interface RawMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads every message of `topicName` from the beginning with a throwaway group; value as a string. */
export async function readAll(ns: KafkaNamespace, topicName: string, into: RawMessage[]): Promise<Consumer> {
  const consumer = await consumerFor(ns, ns.groupId('reader'));
  await consumer.subscribe({ topics: [topicName], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      into.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
    },
  });
  return consumer;
}

/** entity → the seqs in the order they were handled. */
export function byEntity(events: readonly Event[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of events) out.set(e.entity, [...(out.get(e.entity) ?? []), e.seq]);
  return out;
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
