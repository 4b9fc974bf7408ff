import net from 'node:net';
import { eventually, type KafkaNamespace } from '@poc/harness';
import type { Admin, Consumer, ConsumerConfig, EachMessagePayload, ISocketFactory, Kafka } from 'kafkajs';
import { onTestFinished } from 'vitest';
import { keyedProducer, type KeyedProducer, type KeyedProducerOptions } from '../src/index.ts';

/** Test-friendly timings: a member that leaves gives its partitions up within seconds. */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 50,
};

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

export async function adminFor(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  return admin;
}

/** A connected keyed producer, disconnected when the test ends. */
export async function producerFor<E>(kafka: Kafka, options: KeyedProducerOptions<E>): Promise<KeyedProducer<E>> {
  const producer = keyedProducer(kafka, options);
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

/** A connected consumer in `groupId`, disconnected when the test ends. */
export async function consumerFor(
  kafka: Kafka,
  groupId: string,
  extra: Partial<ConsumerConfig> = {},
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, ...FAST_GROUP, ...extra });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  return consumer;
}

export interface Record {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/** Reads `count` messages of `topic` from the beginning with a group of its own, in the order handled. */
export async function readAll(ns: KafkaNamespace, topic: string, count: number): Promise<Record[]> {
  const out: Record[] = [];
  const consumer = await consumerFor(ns.kafka(), ns.groupId(`read-${topic.slice(-12)}-${Math.random()}`));
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: EachMessagePayload) =>
      void out.push({
        partition,
        offset: Number(message.offset),
        key: String(message.key),
        value: String(message.value),
      }),
  });
  await eventually(() => out.length >= count, { timeoutMs: 30_000, what: `${count} messages of ${topic}` });
  await consumer.disconnect();
  return out;
}

/**
 * Messages handled after a later message of the same stream: for each record, in handling order, one whose
 * position is below the highest position already handled for its stream.
 */
export function inversions<T>(handled: readonly T[], streamOf: (r: T) => string, positionOf: (r: T) => number): number {
  const highest = new Map<string, number>();
  let count = 0;
  for (const r of handled) {
    const s = streamOf(r);
    const p = positionOf(r);
    const h = highest.get(s);
    if (h !== undefined && p < h) count++;
    else highest.set(s, p);
  }
  return count;
}

/**
 * A KafkaJS socketFactory that opens every connection to `to` ("host:port", a proxy) whatever broker it
 * was meant for: a client connects to the addresses in the cluster's metadata, not only to the bootstrap
 * address, so pointing `brokers` at a proxy would proxy only the first request.
 */
export function allThrough(to: string): ISocketFactory {
  const [host, port] = to.split(':') as [string, string];
  return ({ onConnect }) => {
    const socket = net.connect({ host, port: Number(port) }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}
