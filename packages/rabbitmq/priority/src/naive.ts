// What people write first: a plain (classic) queue, and the `priority` property set on each message.
// The broker accepts the property and ignores it: without x-max-priority a queue is one FIFO, so an
// urgent message published behind a backlog waits for all of it. Same interface as priorityQueue(), so
// tests and the bench compare like with like. Import it from 'poc-rabbitmq-priority/naive'.
import type { ChannelModel } from 'amqplib';
import { check } from './errors.ts';
import { checkConnection, openQueue, type PriorityQueue, type PriorityQueueOptions } from './priority.ts';

/** A durable queue declared WITHOUT x-max-priority; `options.maxPriority` is only remembered. */
export async function naivePriorityQueue(
  connection: ChannelModel,
  options: PriorityQueueOptions,
): Promise<PriorityQueue> {
  checkConnection(connection);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.queue', options.queue);
  check.intIn('options.maxPriority', options.maxPriority, 1, 255);
  return openQueue(connection, options.queue, options.maxPriority, {});
}
