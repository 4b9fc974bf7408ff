// Shared by the tests: a log of what each worker processed, and a channel for looking at a queue.
import type { ChannelModel } from 'amqplib';
import { onTestFinished } from 'vitest';
import { worker, type Delivery, type Worker, type WorkerOptions } from '../src/index.ts';

export interface Job {
  n: number;
}

export interface Processed {
  worker: string;
  messageId: string;
  n: number;
  redelivered: boolean;
}

/** Starts a worker whose deliveries are logged into `log` once its handler has succeeded; stopped after the test. */
export async function loggedWorker(
  connection: ChannelModel,
  queue: string,
  label: string,
  log: Processed[],
  options: Omit<WorkerOptions<Job>, 'handler'> & { work?: (job: Job, d: Delivery) => Promise<void> | void },
): Promise<Worker> {
  const { work, ...rest } = options;
  const w = await worker<Job>(connection, queue, {
    ...rest,
    handler: async (job, d) => {
      await work?.(job, d);
      log.push({ worker: label, messageId: d.messageId!, n: job.n, redelivered: d.redelivered });
    },
  });
  onTestFinished(() => w.stop());
  return w;
}

/** Message and consumer counts of a queue, read on a fresh channel (a failed check closes its channel). */
export async function queueState(
  connection: ChannelModel,
  queue: string,
): Promise<{ messageCount: number; consumerCount: number }> {
  const ch = await connection.createChannel();
  ch.on('error', () => {});
  try {
    const { messageCount, consumerCount } = await ch.checkQueue(queue);
    return { messageCount, consumerCount };
  } finally {
    await ch.close().catch(() => {});
  }
}

export const jobs = (count: number): Job[] => Array.from({ length: count }, (_, n) => ({ n }));
export const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
export const range = (count: number): number[] => Array.from({ length: count }, (_, n) => n);
