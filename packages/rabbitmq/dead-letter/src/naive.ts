// What people write first: a handler that fails puts its message back (basic.nack with requeue=true, or
// basic.reject requeue=true, the default of many client wrappers) "so it is not lost". For a message that
// can never succeed — a poison message — that is a loop: the broker puts it back at the head of the queue
// and hands it out again at once, forever, burning CPU on both sides and starving the messages behind it
// with prefetch 1. A quorum queue's delivery limit is the only thing that stops it. Not exported from the
// main entry: import it from 'poc-rabbitmq-dead-letter/naive'.
import type { ChannelModel } from 'amqplib';
import { startConsumer, type Consumer, type ConsumerOptions } from './consumer.ts';

/** The same consumer as consume(), except that a failed message is requeued instead of dead-lettered. */
export function naiveConsume(connection: ChannelModel, queue: string, options: ConsumerOptions): Promise<Consumer> {
  return startConsumer(connection, queue, options, 'requeue');
}
