// RabbitMQ for one suite: the shared broker, and names nobody else uses. Every queue or exchange name
// the suite takes from name() is deleted on close(). (A vhost per suite would need rabbitmqctl, an
// Erlang VM start per call, or the management plugin; unique names isolate as well for these tests.)
import amqp, { type ChannelModel } from 'amqplib';
import { uniqueName } from '../testing/names.ts';
import { serverFor, startPrivateServer } from './servers.ts';
import type { PrivateServer } from './types.ts';

export interface AmqpNamespace extends AsyncDisposable {
  readonly url: string;
  readonly prefix: string;
  /** A queue or exchange name unique to this suite, e.g. name('jobs') → "t_m3k2_9f1c_jobs". */
  name(base: string): string;
  /** A new connection; closed on close(). */
  connect(): Promise<ChannelModel>;
  /** Deletes the queues and exchanges named through name(), and closes the suite's connections. */
  close(): Promise<void>;
}

export async function amqpNamespace(options: { name?: string } = {}): Promise<AmqpNamespace> {
  const server = await serverFor('rabbitmq');
  const prefix = uniqueName(options.name ?? 't');
  const names = new Set<string>();
  const connections = new Set<ChannelModel>();
  let closed = false;
  const ns: AmqpNamespace = {
    url: server.url,
    prefix,
    name(base) {
      const n = `${prefix}_${base}`;
      names.add(n);
      return n;
    },
    async connect() {
      const c = await amqp.connect(server.url);
      c.on('error', () => {}); // a broker restart in a test must not crash the process
      connections.add(c);
      c.once('close', () => connections.delete(c));
      return c;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...connections].map((c) => c.close()));
      const admin = await amqp.connect(server.url);
      admin.on('error', () => {});
      try {
        for (const n of names) {
          // One channel per delete: a failed delete closes its channel, not the cleanup.
          const ch = await admin.createChannel();
          ch.on('error', () => {});
          await ch.deleteQueue(n).catch(() => {});
          const ch2 = await admin.createChannel();
          ch2.on('error', () => {});
          await ch2.deleteExchange(n).catch(() => {});
          await Promise.allSettled([ch.close(), ch2.close()]);
        }
      } finally {
        await admin.close().catch(() => {});
      }
    },
    [Symbol.asyncDispose]: () => ns.close(),
  };
  return ns;
}

/** A RabbitMQ node of its own (for broker restart / kill tests). Close it when done. */
export const privateRabbitmq = (): Promise<PrivateServer> => startPrivateServer('rabbitmq');
