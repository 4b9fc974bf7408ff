// Shared by the tests: confirmed publishing of numbered jobs, and a queue's ready-message count.
import type { ChannelModel } from 'amqplib';

export interface Job {
  id: string;
}

export const jobs = (count: number, prefix = 'm'): Job[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}` }));

/** Publishes persistent messages (messageId = job id) to a durable queue and waits for every confirm. */
export async function publish(connection: ChannelModel, queue: string, payloads: readonly Job[]): Promise<void> {
  const ch = await connection.createConfirmChannel();
  try {
    await ch.assertQueue(queue, { durable: true });
    for (const p of payloads)
      ch.sendToQueue(queue, Buffer.from(JSON.stringify(p)), { persistent: true, messageId: p.id });
    await ch.waitForConfirms();
  } finally {
    await ch.close();
  }
}

/** Ready messages in a queue, read on a fresh channel. */
export async function depth(connection: ChannelModel, queue: string): Promise<number> {
  const ch = await connection.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}
