// An at-least-once queue on a Redis list, the delivery side of the tests, bench and demo: a consumer
// LMOVEs a delivery to its own processing list, applies it, then LREMs it (the acknowledgement). A
// consumer that dies leaves its in-flight delivery in its processing list; requeue() puts it back, so it
// is delivered again. storm() makes the redelivery storm: each message 1 to maxCopies times, shuffled.
import type { Redis } from 'ioredis';

export interface Delivery {
  id: string;
  partition: string;
}

const encode = (d: Delivery): string => `${d.partition}|${d.id}`;
export const decode = (raw: string): Delivery => {
  const at = raw.indexOf('|');
  return { partition: raw.slice(0, at), id: raw.slice(at + 1) };
};

/** Deliveries of `messages`: each 1..maxCopies times (random), the whole list shuffled (Fisher-Yates). */
export function stormOf(messages: readonly Delivery[], maxCopies: number, random: () => number): Delivery[] {
  const out: Delivery[] = [];
  for (const m of messages) {
    const copies = 1 + Math.floor(random() * maxCopies);
    for (let i = 0; i < copies; i++) out.push(m);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A seeded random source (mulberry32), so a storm is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function enqueue(redis: Redis, queue: string, deliveries: readonly Delivery[]): Promise<void> {
  for (let i = 0; i < deliveries.length; i += 500)
    await redis.rpush(queue, ...deliveries.slice(i, i + 500).map(encode));
}

export const processingList = (queue: string, consumer: string): string => `${queue}:processing:${consumer}`;

/** Takes the next delivery into the consumer's processing list; undefined when the queue is empty. */
export async function take(
  redis: Redis,
  queue: string,
  consumer: string,
): Promise<{ raw: string; delivery: Delivery } | undefined> {
  const raw = await redis.lmove(queue, processingList(queue, consumer), 'LEFT', 'RIGHT');
  return raw === null ? undefined : { raw, delivery: decode(raw) };
}

/** The acknowledgement: the delivery leaves the consumer's processing list. */
export async function ack(redis: Redis, queue: string, consumer: string, raw: string): Promise<void> {
  await redis.lrem(processingList(queue, consumer), 1, raw);
}

/** A dead consumer's unacknowledged deliveries go back to the head of the queue; returns how many. */
export async function requeue(redis: Redis, queue: string, consumer: string): Promise<number> {
  let moved = 0;
  while ((await redis.lmove(processingList(queue, consumer), queue, 'RIGHT', 'LEFT')) !== null) moved++;
  return moved;
}
