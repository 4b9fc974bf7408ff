// What people write first: a plain channel, `publish()` and move on. amqplib's publish returns once the
// frame is handed to the socket, so "published" means "in this process's buffers": a broker that dies a
// moment later loses the message, a full queue drops it, an unroutable one vanishes, and nobody hears of
// it. Same arguments and the same Publisher interface as confirmPublisher(), so the strategies, the tests
// and the bench run it unchanged. Import it from 'poc-rabbitmq-publisher-confirms/naive'.
import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { MessageUnconfirmedError, check, rabbitmqCall } from './errors.ts';
import type { ConfirmPublisherOptions, Publisher, PublisherState, PublisherStats } from './publisher.ts';

export async function naivePublisher(
  connect: () => Promise<ChannelModel>,
  options: ConfirmPublisherOptions = {},
): Promise<Publisher> {
  check.fn('connect', connect);
  check.options('options', options);
  const { exchange = '', setup, persistent = true } = options;
  const connection = await rabbitmqCall('connecting', connect);
  connection.on('error', () => {});
  const channel = await rabbitmqCall('opening a channel', () => connection.createChannel());
  channel.on('error', () => {});
  // setup() is typed for a confirm channel; the naive side only declares with it.
  if (setup) await rabbitmqCall('running setup', () => setup(channel as never));
  let state: PublisherState = 'open';
  channel.once('close', () => void (state = state === 'open' ? 'failed' : state));
  const stats: PublisherStats = { published: 0, confirmed: 0, nacked: 0, returned: 0, republished: 0, reconnects: 0 };

  return {
    async publish({ routingKey, body, messageId = randomUUID() }) {
      const content = typeof body === 'string' ? Buffer.from(body) : body;
      try {
        channel.publish(exchange, routingKey, content, { persistent, messageId }); // no confirm, not mandatory
      } catch (e) {
        throw new MessageUnconfirmedError(
          `message ${messageId} not sent: the channel is closed`,
          'unreachable',
          [messageId],
          { cause: e },
        );
      }
      stats.published++;
      stats.confirmed++; // what the naive code believes
      return { messageId, publishes: 1 };
    },
    get unconfirmed() {
      return 0;
    },
    get state() {
      return state;
    },
    stats,
    async close() {
      if (state === 'open') state = 'closing';
      await connection.close().catch(() => {});
      state = 'closed';
    },
  };
}
