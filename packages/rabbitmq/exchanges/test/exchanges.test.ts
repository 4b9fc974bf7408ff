// Direct, fanout, headers and topic exchanges, an alternate exchange and mandatory returns, against the real
// broker: one topology, a table of publications with the queues each must reach (by the AMQP rules), the
// broker's answer read back from the queues, and route()'s prediction for the same topology.
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareTopology, headersMatch, publisher, route, type ReturnedMessage, type Topology } from '../src/index.ts';
import { naivePublisher } from '../src/naive.ts';
import { brokerRoutes, drain, type Observed, type Publication } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'ex_types' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

const QUEUES = [
  'eu',
  'eu_us',
  'audit1',
  'audit2',
  'pdf_report',
  'pdf_or_report',
  'has_format',
  'tenant',
  'n1',
  'created',
  'orders',
  'unrouted',
  'a',
] as const;
type Q = (typeof QUEUES)[number];
const EXCHANGES = ['direct', 'fanout', 'headers', 'orders', 'unrouted', 'empty_ae', 'with_empty_ae', 'plain'] as const;
type X = (typeof EXCHANGES)[number];

// [what it shows, exchange, routing key, headers, the queues it reaches ([] = returned)]
const ROWS: Array<[string, X, string, Record<string, unknown> | undefined, Q[]]> = [
  ['direct: exact key, two queues bound with it', 'direct', 'eu', undefined, ['eu', 'eu_us']],
  ['direct: the other key of a queue bound twice', 'direct', 'us', undefined, ['eu_us']],
  ['direct: keys are case-sensitive', 'direct', 'EU', undefined, []],
  ['direct: the empty key matches no binding here', 'direct', '', undefined, []],
  ['fanout: every bound queue, whatever the key', 'fanout', 'ignored.key', undefined, ['audit1', 'audit2']],
  ['fanout: the empty key too', 'fanout', '', undefined, ['audit1', 'audit2']],
  [
    'headers: all + any + presence',
    'headers',
    '',
    { format: 'pdf', type: 'report' },
    ['has_format', 'pdf_or_report', 'pdf_report'],
  ],
  ['headers: one of two is enough for any', 'headers', '', { format: 'pdf' }, ['has_format', 'pdf_or_report']],
  ['headers: null in a binding asks only for presence', 'headers', '', { format: 'zip' }, ['has_format']],
  [
    'headers: x- headers count only with all-with-x',
    'headers',
    '',
    { type: 'report', 'x-tenant': 'acme' },
    ['pdf_or_report', 'tenant'],
  ],
  ['headers: the number 1 matches 1', 'headers', '', { n: 1 }, ['n1']],
  ['headers: the string "1" does not match 1', 'headers', '', { n: '1' }, []],
  ['headers: the routing key plays no part', 'headers', 'pdf', {}, []],
  [
    'topic: a queue matched by two bindings gets one copy',
    'orders',
    'order.eu.created',
    undefined,
    ['created', 'orders'],
  ],
  ['topic: one binding', 'orders', 'order.eu.paid', undefined, ['orders']],
  [
    'alternate exchange: unroutable here, routed there, not returned',
    'orders',
    'invoice.paid',
    undefined,
    ['unrouted'],
  ],
  ['alternate exchange with no bindings: returned after all', 'with_empty_ae', 'x', undefined, []],
  ['no alternate exchange: returned', 'plain', 'b.c', undefined, []],
];

describe('exchange types against the real broker, and route() on the same topology', () => {
  let q: Record<Q, string>;
  let x: Record<X, string>;
  let topology: Topology;
  let observed: Observed[];
  beforeAll(async () => {
    q = Object.fromEntries(QUEUES.map((n) => [n, ns.name(`q_${n}`)])) as Record<Q, string>;
    x = Object.fromEntries(EXCHANGES.map((n) => [n, ns.name(`x_${n}`)])) as Record<X, string>;
    topology = {
      exchanges: {
        [x.direct]: { type: 'direct' },
        [x.fanout]: { type: 'fanout' },
        [x.headers]: { type: 'headers' },
        [x.unrouted]: { type: 'fanout' },
        [x.orders]: { type: 'topic', alternateExchange: x.unrouted },
        [x.empty_ae]: { type: 'fanout' },
        [x.with_empty_ae]: { type: 'direct', alternateExchange: x.empty_ae },
        [x.plain]: { type: 'topic' },
      },
      queues: Object.fromEntries(QUEUES.map((n) => [q[n], { durable: false }])),
      bindings: [
        { exchange: x.direct, queue: q.eu, key: 'eu' },
        { exchange: x.direct, queue: q.eu_us, key: 'eu' },
        { exchange: x.direct, queue: q.eu_us, key: 'us' },
        { exchange: x.fanout, queue: q.audit1 },
        { exchange: x.fanout, queue: q.audit2 },
        {
          exchange: x.headers,
          queue: q.pdf_report,
          match: { xMatch: 'all', headers: { format: 'pdf', type: 'report' } },
        },
        {
          exchange: x.headers,
          queue: q.pdf_or_report,
          match: { xMatch: 'any', headers: { format: 'pdf', type: 'report' } },
        },
        { exchange: x.headers, queue: q.has_format, match: { headers: { format: null } } },
        { exchange: x.headers, queue: q.tenant, match: { xMatch: 'all-with-x', headers: { 'x-tenant': 'acme' } } },
        { exchange: x.headers, queue: q.n1, match: { headers: { n: 1 } } },
        { exchange: x.orders, queue: q.created, key: 'order.*.created' },
        { exchange: x.orders, queue: q.orders, key: 'order.#' },
        { exchange: x.orders, queue: q.orders, key: '#.created' },
        { exchange: x.unrouted, queue: q.unrouted },
        { exchange: x.plain, queue: q.a, key: 'a.*' },
      ],
    };
    const publications: Publication[] = ROWS.map(([, ex, key, headers]) => ({ exchange: x[ex], key, headers }));
    observed = await brokerRoutes(conn, topology, publications);
  });

  it.each(ROWS.map((row, i) => [row[0], i] as const))('%s', (_what, i) => {
    const [, ex, key, headers, expected] = ROWS[i]!;
    const queues = expected.map((n) => q[n]).sort();
    expect(observed[i]).toEqual({ queues, returned: expected.length === 0 });
    const predicted = route(topology, x[ex], key, headers);
    expect(predicted.queues).toEqual(queues);
    const routedBy =
      expected.length === 0 ? undefined : ex === 'orders' && expected[0] === 'unrouted' ? x.unrouted : x[ex];
    expect(predicted.routedBy).toBe(routedBy);
  });

  it('matches the broker on an "x-" header under x-match all, which the broker ignores (the topology refuses it)', async () => {
    const ex = ns.name('x_raw_headers');
    const queue = ns.name('q_raw_headers');
    const ch = await conn.createChannel();
    await ch.assertExchange(ex, 'headers', { durable: false });
    await ch.assertQueue(queue, { durable: false });
    await ch.bindQueue(queue, ex, '', { 'x-match': 'all', 'x-tenant': 'acme' }); // declared raw: amqplib lets it through
    await ch.close();
    const p = await publisher(conn);
    const outcomes = [
      await p.publish(ex, '', 'other tenant', { headers: { 'x-tenant': 'globex' } }),
      await p.publish(ex, '', 'no headers'),
    ];
    await p.close();
    expect(outcomes).toEqual(['routed', 'routed']); // the binding matches everything: its only header is ignored
    expect(await drain(conn, queue)).toHaveLength(2);
    const binding = { xMatch: 'all', headers: { 'x-tenant': 'acme' } } as const;
    expect([headersMatch(binding, { 'x-tenant': 'globex' }), headersMatch(binding, {})]).toEqual([true, true]);
  });
});

describe('mandatory returns and the alternate exchange', () => {
  // Ten events on a topic exchange bound with "order.*" only: four of them match nothing.
  const KEYS = [
    'order.created',
    'invoice.paid',
    'order.paid',
    'order',
    'order.eu.created',
    'order.shipped',
    'Order.created',
    'order.',
    'order.cancelled',
    'order.refunded',
  ];
  const UNROUTABLE = ['invoice.paid', 'order', 'order.eu.created', 'Order.created'];

  async function events(alternate: boolean): Promise<{ exchange: string; queue: string; parked: string }> {
    const tag = alternate ? 'ae' : 'plain';
    const exchange = ns.name(`events_${tag}`);
    const queue = ns.name(`orders_${tag}`);
    const ae = ns.name(`unrouted_${tag}`);
    const parked = ns.name(`parked_${tag}`);
    await declareTopology(conn, {
      exchanges: {
        [exchange]: { type: 'topic', ...(alternate ? { alternateExchange: ae } : {}) },
        [ae]: { type: 'fanout' },
      },
      queues: { [queue]: { durable: false }, [parked]: { durable: false } },
      bindings: [
        { exchange, queue, key: 'order.*' },
        { exchange: ae, queue: parked },
      ],
    });
    return { exchange, queue, parked };
  }

  it('counts every basic.return and names each returned message; the routed ones are in the queue', async () => {
    const { exchange, queue } = await events(false);
    const p = await publisher(conn);
    const returns: ReturnedMessage[] = [];
    const unsubscribe = p.onReturn((m) => returns.push(m));
    const outcomes = await Promise.all(KEYS.map((k) => p.publish(exchange, k, k, { messageId: k })));
    unsubscribe();
    await p.publish(exchange, 'nothing.here', 'after unsubscribing', { messageId: 'late' });
    await p.close();

    expect(KEYS.filter((_, i) => outcomes[i] === 'returned')).toEqual(UNROUTABLE);
    expect(p.stats).toEqual({ published: 11, routed: 6, returned: 5, nacked: 0 });
    expect(returns.map((r) => r.messageId).sort()).toEqual([...UNROUTABLE].sort());
    expect(returns[0]).toMatchObject({ exchange, replyCode: 312, replyText: 'NO_ROUTE' });
    expect(returns.find((r) => r.messageId === 'order')?.content.toString()).toBe('order');
    expect((await drain(conn, queue)).sort()).toEqual(KEYS.filter((k) => !UNROUTABLE.includes(k)).sort());
  });

  it("parks the unroutable messages in the alternate exchange's queue: nothing returned, nothing lost", async () => {
    const { exchange, queue, parked } = await events(true);
    const p = await publisher(conn);
    const outcomes = await Promise.all(KEYS.map((k) => p.publish(exchange, k, k, { messageId: k })));
    await p.close();
    expect(outcomes).toEqual(KEYS.map(() => 'routed'));
    expect(p.stats).toEqual({ published: 10, routed: 10, returned: 0, nacked: 0 });
    expect((await drain(conn, parked)).sort()).toEqual([...UNROUTABLE].sort());
    expect(await drain(conn, queue)).toHaveLength(6);
  });

  it('break it: without mandatory, the broker confirms all ten and four are gone without a word', async () => {
    const { exchange, queue } = await events(false);
    const naive = await naivePublisher(conn);
    for (const k of KEYS) expect(await naive.publish(exchange, k, k)).toBe('confirmed');
    await naive.close();
    expect(naive.confirmed).toBe(10);
    expect(await drain(conn, queue)).toHaveLength(6); // 4 of 10 "confirmed" messages reached no queue
  });
});
