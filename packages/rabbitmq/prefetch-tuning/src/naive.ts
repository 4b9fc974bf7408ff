// What people write first: `channel.consume(queue, handler)` without `channel.prefetch()`. amqplib sends no
// basic.qos, so the prefetch is unlimited: the broker pushes every ready message to the consumers round-
// robin the moment they subscribe, whatever their speed. A slow consumer gets as many messages as a fast
// one and sits on them while the fast one idles. Same interface as tunedConsumer() minus `prefetch`.
// Import it from 'poc-rabbitmq-prefetch-tuning/naive'.
import type { ChannelModel } from 'amqplib';
import { check } from './errors.ts';
import { tunedConsumer, type ConsumerOptions, type TunedConsumer } from './consumer.ts';

export async function naiveConsumer<T>(
  connection: ChannelModel,
  queue: string,
  options: Omit<ConsumerOptions<T>, 'prefetch'>,
): Promise<TunedConsumer> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  return tunedConsumer(connection, queue, { ...options, prefetch: 0 }); // 0: no basic.qos limit, amqplib's default
}
