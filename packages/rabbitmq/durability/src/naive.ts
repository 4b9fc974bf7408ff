// What people write first, straight from amqplib's defaults: `assertQueue(name)` (durable: true is
// amqplib's default, so the queue survives a restart) and `sendToQueue(name, body)` (persistent: false is
// the default, and there is no confirm). The queue comes back after a restart — empty. Same arguments and
// the same interface as openQueue(), so tests and the bench compare like with like; it ignores the
// durability and mode it is given. Import it from 'poc-rabbitmq-durability/naive'.
import type { ChannelModel } from 'amqplib';
import { rabbitmqCall } from './errors.ts';
import { TRANSIENT, checkConnection, checkQueueName, type DurableQueue, type QueueOptions } from './durability.ts';

export async function naiveOpenQueue(connection: ChannelModel, options: QueueOptions): Promise<DurableQueue> {
  checkConnection(connection);
  checkQueueName('options.name', options?.name);
  const { name } = options;
  const channel = await rabbitmqCall('opening a channel', () => connection.createChannel());
  channel.on('error', () => {});
  await rabbitmqCall(`declaring queue "${name}"`, () => channel.assertQueue(name));
  return {
    name,
    durability: { ...TRANSIENT, durableQueue: true }, // what amqplib's defaults amount to
    mode: 'default',
    async publish(messages) {
      for (const { id, body } of messages) channel.sendToQueue(name, Buffer.from(body), { messageId: id });
      return { ids: messages.map((m) => m.id), confirmed: false };
    },
    close: () => channel.close().catch(() => {}),
  };
}
