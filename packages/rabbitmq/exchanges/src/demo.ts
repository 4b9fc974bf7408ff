// pnpm --filter poc-rabbitmq-exchanges demo: the four exchange types, topic wildcards, an alternate
// exchange and mandatory returns on a real RabbitMQ, each publication read back from the queues and set
// beside what route() predicted.
import { amqpNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { declareTopology, publisher, route, topicMatches, type Topology } from './index.ts';
import { naivePublisher, naiveTopicMatches } from './naive.ts';

const say = (line = ''): void => console.log(line);

/** Message ids in `queue`, taken with basic.get until it is empty. */
async function drain(connection: ChannelModel, queue: string): Promise<string[]> {
  const ch = await connection.createChannel();
  const ids: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true }))
    ids.push(String(m.properties.messageId));
  await ch.close();
  return ids;
}

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue and exchange names of its own, removed at the end
  try {
    const conn = await ns.connect();
    say(`RabbitMQ exchanges demo (RabbitMQ ${server.version}, ${server.provider})`);
    const short = (name: string | undefined): string => (name === undefined ? '-' : name.slice(ns.prefix.length + 1));
    const [orders, unrouted, audit, regions, docs] = ['orders', 'unrouted', 'audit', 'regions', 'docs'].map((n) =>
      ns.name(n),
    ) as [string, string, string, string, string];
    const q = (n: string): string => ns.name(`q_${n}`);
    const topology: Topology = {
      exchanges: {
        [orders]: { type: 'topic', alternateExchange: unrouted },
        [unrouted]: { type: 'fanout' },
        [audit]: { type: 'fanout' },
        [regions]: { type: 'direct' },
        [docs]: { type: 'headers' },
      },
      queues: Object.fromEntries(
        [
          'created',
          'eu',
          'all_orders',
          'parked',
          'audit_a',
          'audit_b',
          'region_eu',
          'pdf_reports',
          'pdf_or_report',
        ].map((n) => [q(n), { durable: false }]),
      ),
      bindings: [
        { exchange: orders, queue: q('created'), key: 'order.*.created' },
        { exchange: orders, queue: q('eu'), key: '*.eu.#' },
        { exchange: orders, queue: q('all_orders'), key: 'order.#' },
        { exchange: unrouted, queue: q('parked') },
        { exchange: audit, queue: q('audit_a') },
        { exchange: audit, queue: q('audit_b') },
        { exchange: regions, queue: q('region_eu'), key: 'eu' },
        {
          exchange: docs,
          queue: q('pdf_reports'),
          match: { xMatch: 'all', headers: { format: 'pdf', type: 'report' } },
        },
        {
          exchange: docs,
          queue: q('pdf_or_report'),
          match: { xMatch: 'any', headers: { format: 'pdf', type: 'report' } },
        },
      ],
    };
    await declareTopology(conn, topology);
    say(
      '\n1. One topology, declared on the broker: topic "orders" (alternate exchange "unrouted"), fanout "audit", direct "regions", headers "docs"',
    );

    say(
      '\n2. Each message published (mandatory, confirmed), then every queue read back; route() is the in-memory prediction',
    );
    const p = await publisher(conn, { persistent: false });
    const publications: Array<[string, string, Record<string, unknown>?]> = [
      [orders, 'order.eu.created'],
      [orders, 'order.us.created'],
      [orders, 'order'],
      [orders, 'invoice.eu'],
      [orders, 'invoice.us.paid'],
      [audit, 'anything'],
      [regions, 'eu'],
      [regions, 'EU'],
      [docs, '', { format: 'pdf', type: 'report' }],
      [docs, '', { format: 'pdf', type: 'invoice' }],
      [docs, '', { format: 'zip', type: 'invoice' }],
    ];
    const outcomes = await Promise.all(
      publications.map(([x, key, headers], i) => p.publish(x, key, key, { messageId: `m${i}`, headers })),
    );
    const landed = new Map<string, string[]>(publications.map((_, i) => [`m${i}`, []]));
    for (const queue of Object.keys(topology.queues))
      for (const id of await drain(conn, queue)) landed.get(id)!.push(short(queue));
    publications.forEach(([x, key, headers], i) => {
      const what = headers ? JSON.stringify(headers) : JSON.stringify(key);
      const got = landed.get(`m${i}`)!.sort();
      const predicted = route(topology, x, key, headers);
      const agree =
        JSON.stringify(predicted.queues.map(short)) === JSON.stringify(got) ? 'route() agrees' : 'route() DISAGREES';
      const via =
        predicted.routedBy !== undefined && predicted.routedBy !== x ? ` via ${short(predicted.routedBy)}` : '';
      say(
        `   ${short(x).padEnd(7)} ${what.padEnd(34)} → ${outcomes[i]!.padEnd(8)} ${(got.join(', ') || '(no queue)').padEnd(34)}${via.padEnd(13)} ${agree}`,
      );
    });

    say('\n3. Topic rules the regex translation ("*" → [^.]+, "#" → .*) gets wrong');
    for (const [binding, key] of [
      ['order.#', 'order'],
      ['*.eu.#', '.eu'],
      ['order.*', 'order.'],
      ['a*', 'ab'],
    ] as const)
      say(
        `   binding ${JSON.stringify(binding).padEnd(10)} key ${JSON.stringify(key).padEnd(9)} topicMatches(): ${String(topicMatches(binding, key)).padEnd(5)}  regex: ${naiveTopicMatches(binding, key)}`,
      );

    say('\n4. Mandatory returns, counted: a topic exchange with no alternate exchange, bound "order.*" only');
    const plain = ns.name('plain');
    await declareTopology(conn, {
      exchanges: { [plain]: { type: 'topic' } },
      queues: { [q('plain')]: { durable: false } },
      bindings: [{ exchange: plain, queue: q('plain'), key: 'order.*' }],
    });
    const keys = ['order.created', 'invoice.paid', 'order.paid', 'order', 'order.eu.created', 'order.shipped'];
    const counted = await publisher(conn, { persistent: false });
    counted.onReturn((m) =>
      say(`   basic.return ${m.replyCode} ${m.replyText} for key ${JSON.stringify(m.routingKey)}`),
    );
    await Promise.all(keys.map((k) => counted.publish(plain, k, k)));
    await counted.close();
    say(
      `   publisher stats: ${JSON.stringify(counted.stats)}; the queue holds ${(await drain(conn, q('plain'))).length}`,
    );
    const naive = await naivePublisher(conn);
    for (const k of keys) await naive.publish(plain, k, k);
    await naive.close();
    say(
      `   the naive publisher (confirms, no mandatory): ${naive.confirmed} of ${keys.length} confirmed; the queue holds ${(await drain(conn, q('plain'))).length}, and nobody was told`,
    );
    await p.close();
    say('\ndone');
  } finally {
    await ns.close();
  }
});
