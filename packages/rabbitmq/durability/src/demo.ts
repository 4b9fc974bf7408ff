// pnpm --filter poc-rabbitmq-durability demo: what a graceful restart and a SIGKILL of RabbitMQ keep, for
// each combination of queue durability, message persistence and confirms, and where a lazy and a default
// queue keep a backlog. A node of the demo's own (a one-node private cluster: always a local process, so
// its memory can be read from /proc).
import { eventually, privateRabbitmqCluster } from '@poc/harness';
import { runMain } from '@poc/kit';
import amqp, { type ChannelModel } from 'amqplib';
import type { PublishNotConfirmedError } from './index.ts';
import {
  DURABLE,
  drainQueue,
  openQueue,
  queueDepth,
  type DurableQueue,
  type OutgoingMessage,
  type QueueMode,
  type QueueOptions,
} from './index.ts';
import { naiveOpenQueue } from './naive.ts';
import { brokerProcess } from './broker-process.ts';

const say = (line = ''): void => console.log(line);
const messages = (prefix: string, count: number, size = 256): OutgoingMessage[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, body: Buffer.alloc(size, i % 256) }));

const SETUPS: Array<[string, string, QueueOptions['durability'] | 'naive']> = [
  ['durable queue, persistent, confirmed', 'durable', DURABLE],
  ['durable queue, transient messages   ', 'tm', { ...DURABLE, persistentMessages: false }],
  ['transient queue, persistent messages', 'tq', { ...DURABLE, durableQueue: false }],
  ['amqplib defaults (naive)            ', 'naive', 'naive'],
];

runMain(async () => {
  say('RabbitMQ durability demo: a node of its own (10-20 s to start)');
  const cluster = await privateRabbitmqCluster({ nodes: 1 });
  const node = cluster.nodes[0]!;
  const connections: ChannelModel[] = [];
  const connect = async (): Promise<ChannelModel> => {
    const c = await amqp.connect(node.url);
    c.on('error', () => {});
    connections.push(c);
    return c;
  };
  try {
    const proc = brokerProcess(node.url)!;
    say(`RabbitMQ ${node.version}; its data directory is on ${proc.filesystem}`);

    const fill = async (prefix: string): Promise<void> => {
      const conn = await connect();
      for (const [, suffix, durability] of SETUPS) {
        const options = { name: `${prefix}_${suffix}` };
        const q: DurableQueue =
          durability === 'naive'
            ? await naiveOpenQueue(conn, options)
            : await openQueue(conn, { ...options, durability });
        await q.publish(messages(suffix, 1000));
        await eventually(async () => (await queueDepth(conn, q.name)) === 1000, { what: `1000 in ${q.name}` });
      }
    };
    const report = async (prefix: string): Promise<void> => {
      const conn = await connect();
      for (const [label, suffix] of SETUPS) {
        const depth = await queueDepth(conn, `${prefix}_${suffix}`);
        say(`   ${label}: ${depth === undefined ? 'queue gone' : `${depth} of 1000`}`);
      }
    };

    say('\n1. Four queues, 1000 messages each (all in the queue before the restart), then a graceful restart');
    await fill('g');
    await node.restart();
    await report('g');

    say('\n2. The same, then SIGKILL; also a confirmed publish of 20000 cut off by the kill,');
    say('   and 2000 persistent messages without confirms handed to amqplib just before it');
    await fill('k');
    const conn = await connect();
    const cut = await openQueue(conn, { name: 'k_cut' });
    const burst = await openQueue(conn, { name: 'k_burst', durability: { ...DURABLE, confirms: false } });
    const cutOff = cut.publish(messages('cut', 20_000)).catch((e: unknown) => e);
    await eventually(async () => ((await queueDepth(conn, 'k_cut')) ?? 0) >= 2_000, { what: '2000 in k_cut' });
    void burst.publish(messages('burst', 2_000)).catch(() => {});
    await node.kill();
    const err = (await cutOff) as PublishNotConfirmedError;
    await node.start();
    await report('k');
    const after = await connect();
    const stored = new Set((await drainQueue(after, 'k_cut')).map((m) => m.id));
    const back = (ids: readonly string[]): number => ids.filter((id) => stored.has(id)).length;
    say(`   cut-off publish: ${err.confirmed.length} confirmed, ${back(err.confirmed)} of them back;`);
    say(`   ${err.unconfirmed.length} not confirmed, ${back(err.unconfirmed)} of them back anyway (may or may not)`);
    say(`   persistent without confirms: ${await queueDepth(after, 'k_burst')} of 2000 back`);

    say('\n3. A backlog of 4000 x 16 KiB persistent messages (62.5 MiB), confirmed, in a lazy and a default queue');
    for (const mode of ['lazy', 'default'] as QueueMode[]) {
      const q = await openQueue(after, { name: `backlog_${mode}`, mode, window: 200 });
      const before = brokerProcess(node.url)!.rssMiB(); // the node restarted: a new process
      for (let i = 0; i < 4_000; i += 1_000) await q.publish(messages(`${mode}-${i}`, 1_000, 16_384));
      const grew = brokerProcess(node.url)!.rssMiB() - before;
      say(
        `   ${mode.padEnd(7)}: node memory +${grew.toFixed(0)} MiB, ${await queueDepth(after, q.name)} messages in the queue`,
      );
    }
    say("   (the node keeps the default queue's bodies in memory until memory pressure makes it page them out;");
    say('    the lazy queue writes them out on arrival)');
    say('\ndone');
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
    await cluster.close();
  }
});
