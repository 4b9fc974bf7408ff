import type { Admin, Kafka, Producer } from 'kafkajs';
import { eventually } from '@poc/harness';
import { onTestFinished } from 'vitest';
import type { Message } from 'kafkajs';
import { caughtUp, type InputMessage } from '../src/index.ts';

/** Test-friendly group timings: a member that dies gives its partitions up within seconds (6 s is the broker's minimum). */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 100,
};

/** The transform every test uses: one output per input, same key, the input's value (so copies can be counted). */
export const echo = ({ message }: InputMessage): Message[] => [{ key: message.key, value: message.value }];

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

/** Values from..from+n-1, keyed k<i> (spread over the partitions), sent in requests of 100. */
export async function produceInputs(producer: Producer, topic: string, n: number, from = 0): Promise<string[]> {
  const values = range(n, from).map(String);
  for (let i = 0; i < values.length; i += 100) {
    await producer.send({
      topic,
      acks: -1,
      messages: values.slice(i, i + 100).map((v) => ({ key: `k${v}`, value: v })),
    });
  }
  return values;
}

/** Waits until `groupId` has committed the end of every partition of `topic`: every input is processed. */
export async function allCommitted(admin: Admin, groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  await eventually(() => caughtUp(admin, groupId, topic), {
    timeoutMs,
    intervalMs: 100,
    what: `group ${groupId} committed to the end of ${topic}`,
  });
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
