import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { onTestFinished } from 'vitest';

/** Test-friendly timings: a member that leaves or dies gives its partitions up within seconds. */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 100,
};

/** A connected idempotent producer (a retried request cannot write twice), disconnected at the end. */
export async function producerFor(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

export async function adminFor(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  return admin;
}

/** A connected consumer in `groupId`, disconnected when the test ends (disconnect is idempotent). */
export async function consumerFor(kafka: Kafka, groupId: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, ...FAST_GROUP });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  return consumer;
}

/** Sends values 0..n-1 (as strings) with keys spread over partitions, in one request. */
export async function produceSeq(producer: Producer, topic: string, n: number, from = 0, keyed = true): Promise<void> {
  await producer.send({
    topic,
    messages: Array.from({ length: n }, (_, i) => ({ key: keyed ? `k${from + i}` : null, value: String(from + i) })),
  });
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
