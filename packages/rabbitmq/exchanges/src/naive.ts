// What people write first, kept here so the tests and the bench can show how it fails. Not exported from
// the main entry: import it from 'poc-rabbitmq-exchanges/naive'.
//
// 1. A topic matcher as a regular expression: "*" → "[^.]+", "#" → ".*". It reads right and passes the
//    happy path ("a.*" vs "a.b"), and it is wrong wherever the words are the point: "a.#" does not match
//    "a" (the regex wants "a." and something), "*" does not match an empty word, "a*" matches "ab".
// 2. A publisher that waits for confirms but does not publish as mandatory: the broker confirms an
//    unroutable message exactly like a routed one (it has "handled" it by dropping it), so every message
//    looks delivered.
import type { ChannelModel } from 'amqplib';
import { brokerCall, check } from './errors.ts';
import { checkKey } from './topic.ts';
import { checkConnection } from './topology.ts';

/** The regex translation of a binding key. Same signature as topicMatches; wrong on the rows the tests list. */
export function naiveTopicMatches(bindingKey: string, routingKey: string): boolean {
  check.that(typeof bindingKey === 'string', 'bindingKey', 'must be a string', bindingKey);
  check.that(typeof routingKey === 'string', 'routingKey', 'must be a string', routingKey);
  const pattern = bindingKey.replace(/\./g, '\\.').replace(/\*/g, '[^.]+').replace(/#/g, '.*');
  return new RegExp(`^${pattern}$`).test(routingKey);
}

export interface NaivePublisher {
  /** Messages the broker confirmed: all of them, routed or not. */
  readonly confirmed: number;
  /** Publishes and waits for the confirm; resolves 'confirmed' whether or not any queue took the message. */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer | string,
    options?: { headers?: Record<string, unknown> },
  ): Promise<'confirmed'>;
  close(): Promise<void>;
}

/** A confirm-channel publisher without mandatory (amqplib's default). */
export async function naivePublisher(connection: ChannelModel): Promise<NaivePublisher> {
  checkConnection(connection);
  const channel = await brokerCall('opening a confirm channel', () => connection.createConfirmChannel());
  channel.on('error', () => {});
  let confirmed = 0;
  return {
    get confirmed() {
      return confirmed;
    },
    async publish(exchange, routingKey, content, options = {}) {
      checkKey('routingKey', routingKey);
      const body = typeof content === 'string' ? Buffer.from(content) : content;
      await brokerCall(
        `publishing to exchange "${exchange}"`,
        () =>
          new Promise<void>((resolve, reject) =>
            channel.publish(exchange, routingKey, body, { persistent: true, headers: options.headers }, (err) =>
              err ? reject(err as Error) : resolve(),
            ),
          ),
      );
      confirmed++;
      return 'confirmed';
    },
    close: () => channel.close().catch(() => {}),
  };
}
