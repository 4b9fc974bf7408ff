// pnpm --filter poc-rabbitmq-exchanges bench: this POC's own claim (the roadmap gives #62 none) — what
// routing costs the broker, by exchange type and by the number of bindings an exchange holds.
// 1. types: the same messages published through a direct, fanout, topic or headers exchange with exactly
//    one binding, which matches, to one queue.
// 2. topic-bindings / headers-bindings: the same exchange type with 1 binding vs with NOISE more bindings
//    that do not match the message. A topic exchange looks a key up in a trie of binding words; a headers
//    exchange tests every binding in turn — the comparison shows whether that difference is visible.
// Every sample publishes MESSAGES transient messages through this package's publisher (mandatory, confirms;
// BATCH in flight, then wait), timed from the first publish to the last confirm, into a purged non-durable
// queue. All exchanges and bindings are declared before the clock starts. Rounds are interleaved and
// rotated by the harness (compareRounds); each variant runs once untimed first.
import { amqpNamespace, benchProfile, benchReport, compareRounds, type RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import { declareTopology, publisher, type ExchangeType, type Publisher, type Topology } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const MESSAGES = SHORT ? 400 : 3_000;
const BINDING_MESSAGES = SHORT ? 300 : 2_000;
const BATCH = 200;
const NOISE = SHORT ? 200 : 1_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const BODY = Buffer.from(JSON.stringify({ order: 12345, status: 'created', region: 'eu' })); // 48 bytes

/** The key and headers every message carries; the one binding of each exchange matches them. */
const KEY = 'order.eu.created';
const HEADERS = { type: 'order', region: 'eu' };

runMain(async () => {
  const ns = await amqpNamespace({ name: 'ex_bench' });
  try {
    const conn = await ns.connect();
    const admin = await conn.createChannel();
    const pub: Publisher = await publisher(conn, { persistent: false });

    /** An exchange of `type` with its matching binding to its own queue, plus `noise` bindings that never match. */
    const setup = async (
      label: string,
      type: ExchangeType,
      noise: number,
    ): Promise<{ exchange: string; queue: string }> => {
      const exchange = ns.name(`x_${label}`);
      const queue = ns.name(`q_${label}`);
      const sink = ns.name(`sink_${label}`);
      const matching =
        type === 'headers'
          ? { match: { xMatch: 'all' as const, headers: HEADERS } }
          : type === 'fanout'
            ? {}
            : { key: type === 'topic' ? 'order.*.created' : KEY };
      const noiseBinding = (i: number): Topology['bindings'][number] =>
        type === 'headers'
          ? { exchange, queue: sink, match: { xMatch: 'all', headers: { type: 'order', tenant: `t${i}` } } }
          : { exchange, queue: sink, key: i % 2 === 0 ? `tenant${i}.#` : `*.eu.event${i}` };
      await declareTopology(conn, {
        exchanges: { [exchange]: { type, durable: false } },
        queues: { [queue]: { durable: false }, [sink]: { durable: false } },
        bindings: [{ exchange, queue, ...matching }, ...Array.from({ length: noise }, (_, i) => noiseBinding(i))],
      });
      return { exchange, queue };
    };

    /** One sample: MESSAGES publishes through `exchange`, BATCH in flight; every one must be routed to `queue`. */
    const publishAll =
      ({ exchange, queue }: { exchange: string; queue: string }, messages: number) =>
      async (): Promise<RoundSample> => {
        await admin.purgeQueue(queue);
        let errors = 0;
        const t0 = performance.now();
        for (let i = 0; i < messages; i += BATCH) {
          const outcomes = await Promise.all(
            Array.from({ length: Math.min(BATCH, messages - i) }, () =>
              pub.publish(exchange, KEY, BODY, { headers: HEADERS }),
            ),
          );
          errors += outcomes.filter((o) => o !== 'routed').length;
        }
        const seconds = (performance.now() - t0) / 1_000;
        const { messageCount } = await admin.checkQueue(queue);
        if (messageCount !== messages - errors)
          throw new Error(`${exchange}: ${messageCount} of ${messages} messages in ${queue}`);
        return { ops: messages, seconds, errors };
      };

    const report = benchReport({
      parameters: {
        messages: `${MESSAGES} per sample (types), ${BINDING_MESSAGES} (bindings)`,
        inFlight: `${BATCH} publishes, then wait for their confirms`,
        publisher: "this package's publisher: mandatory, publisher confirms, one connection and channel",
        message: `${BODY.length}-byte JSON body, routing key "${KEY}", headers ${JSON.stringify(HEADERS)}`,
        matchingBinding:
          'direct "order.eu.created"; topic "order.*.created"; headers x-match all on both headers; fanout',
        noiseBindings: `${NOISE} that never match: topic "tenant<i>.#" and "*.eu.event<i>" alternately; headers x-match all {type: order, tenant: t<i>}`,
        timed: 'first publish -> last confirm; queue depth checked after each sample',
        durability:
          'transient messages in non-durable classic queues, non-durable exchanges: nothing is written to disk, routing is what is measured',
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });

    const compare = async (
      id: string,
      title: string,
      variants: Record<string, () => Promise<RoundSample>>,
      baseline: string,
    ) => {
      for (const run of Object.values(variants)) await run(); // warm-up, untimed
      report.add(await compareRounds({ id, title, variants, baseline, rounds: ROUNDS, unit: 'msg/s' }));
    };

    const types: Record<string, () => Promise<RoundSample>> = {};
    for (const type of ['direct', 'fanout', 'topic', 'headers'] as const)
      types[type] = publishAll(await setup(type, type, 0), MESSAGES);
    await compare(
      'types',
      `Publish ${MESSAGES} confirmed messages through one exchange with one matching binding: msg/s by exchange type`,
      types,
      'direct',
    );

    for (const type of ['topic', 'headers'] as const) {
      const variants = {
        '1 binding': publishAll(await setup(`${type}_1`, type, 0), BINDING_MESSAGES),
        [`${NOISE + 1} bindings`]: publishAll(await setup(`${type}_${NOISE}`, type, NOISE), BINDING_MESSAGES),
      };
      await compare(
        `${type}-bindings`,
        `Publish ${BINDING_MESSAGES} confirmed messages through a ${type} exchange: 1 binding vs ${NOISE} more that do not match`,
        variants,
        '1 binding',
      );
    }
    await pub.close();
    await admin.close();

    const many = `${NOISE + 1} bindings`;
    await report.finish(
      `This POC's own claim, routing cost by bindings: with ${NOISE} non-matching bindings beside the matching one, ` +
        `topic exchange vs its one-binding rate {ratio:topic-bindings/${many}}, headers exchange {ratio:headers-bindings/${many}}. ` +
        'By type, one binding each, vs direct: fanout {ratio:types/fanout}, topic {ratio:types/topic}, headers {ratio:types/headers}.',
    );
  } finally {
    await ns.close();
  }
});
