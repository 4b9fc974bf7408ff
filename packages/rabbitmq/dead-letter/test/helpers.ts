// Shared by the tests: publish with confirms and see the broker's answer, and read a queue back.
import type { ChannelModel, GetMessage, Options } from 'amqplib';
import { onTestFinished } from 'vitest';
import { parseXDeath, type Death, type DeathHistory } from '../src/index.ts';

export interface Sender {
  /** Publishes with confirms; resolves 'ack' or 'nack' (a full reject-publish queue nacks). */
  send(exchange: string, key: string, messageId: string, options?: Options.Publish): Promise<'ack' | 'nack'>;
}

/** A confirm channel of its own, closed after the test. */
export async function sender(connection: ChannelModel): Promise<Sender> {
  const ch = await connection.createConfirmChannel();
  onTestFinished(() => ch.close().catch(() => {}));
  return {
    send: (exchange, key, messageId, options = {}) =>
      new Promise((resolve) =>
        ch.publish(exchange, key, Buffer.from(messageId), { persistent: true, messageId, ...options }, (err) =>
          resolve(err ? 'nack' : 'ack'),
        ),
      ),
  };
}

export interface Parked {
  messageId: string;
  message: GetMessage;
  history: DeathHistory;
}

/** Every message in `queue`, taken with basic.get (acked: the queue is empty afterwards), with its parsed history. */
export async function takeAll(connection: ChannelModel, queue: string): Promise<Parked[]> {
  const ch = await connection.createChannel();
  try {
    const out: Parked[] = [];
    for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true }))
      out.push({
        messageId: String(m.properties.messageId),
        message: m,
        history: parseXDeath(m.properties.headers as Record<string, unknown> | undefined),
      });
    return out;
  } finally {
    await ch.close();
  }
}

/** Ready messages in `queue` (a passive declare on a channel of its own). */
export async function depth(connection: ChannelModel, queue: string): Promise<number> {
  const ch = await connection.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}

/** A death without its time (the broker's clock, to the second): what tests compare exactly. */
export const timeless = ({ time: _time, ...rest }: Death): Omit<Death, 'time'> => rest;
