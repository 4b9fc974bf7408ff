// pnpm --filter poc-rabbitmq-dead-letter bench: this POC's own claim (the roadmap gives #63 none) — what
// dead-lettering costs compared with acking the same messages.
// 1. classic: a durable classic queue pre-filled (untimed, every message confirmed) with MESSAGES persistent
//    messages, drained by this package's consume() (prefetch PREFETCH): handler succeeds → ack; handler
//    throws → nack requeue=false, either on a queue without a dead-letter exchange (dropped) or into a
//    parking queue through a fanout dead-letter exchange.
// 2. quorum: the same on a quorum queue: ack, dead-letter at-most-once, dead-letter at-least-once (the
//    parking queue confirms each dead letter before the quorum queue forgets it).
// Timed from the first delivery until the broker is done: the last message settled and then, for the
// dead-letter variants, the parking queue holding all MESSAGES (polled every millisecond), for the others
// one more round trip (a passive declare of the work queue). Rounds are interleaved and rotated by the
// harness (compareRounds); each variant runs once untimed first.
import {
  amqpNamespace,
  benchProfile,
  benchReport,
  compareRounds,
  eventually,
  serverFor,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { consume, declareDeadLettering, type DeadLetterOptions, type DeadLetterTopology } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const MESSAGES = SHORT ? 400 : 3_000;
const PREFETCH = 100;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const BODY = Buffer.from(JSON.stringify({ order: 12345, status: 'created', region: 'eu' }));

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'dl_bench' });
  try {
    const pubConn = await ns.connect();
    const consumerConn = await ns.connect();
    const admin = await pubConn.createChannel();
    const confirm = await pubConn.createConfirmChannel();

    const fill = async (queue: string): Promise<void> => {
      for (let i = 0; i < MESSAGES; i++) confirm.sendToQueue(queue, BODY, { persistent: true });
      await confirm.waitForConfirms();
    };
    const depth = async (queue: string): Promise<number> => (await admin.checkQueue(queue)).messageCount;

    /** One sample: fill `t.queue`, drain it with consume(), the handler succeeding or throwing; timed as above. */
    const drain =
      (t: DeadLetterTopology | { queue: string; parkingQueue?: undefined }, fails: boolean) =>
      async (): Promise<RoundSample> => {
        await admin.purgeQueue(t.queue);
        if (t.parkingQueue !== undefined) await admin.purgeQueue(t.parkingQueue);
        await fill(t.queue);
        let t0 = 0;
        const c = await consume(consumerConn, t.queue, {
          prefetch: PREFETCH,
          handler: () => {
            t0 ||= performance.now();
            if (fails) throw new Error('dead-letter me');
          },
        });
        const wait = { intervalMs: 1, timeoutMs: 60_000 };
        await eventually(() => c.stats.acked + c.stats.deadLettered === MESSAGES, {
          ...wait,
          what: 'every message settled',
        });
        if (t.parkingQueue !== undefined && fails)
          await eventually(async () => (await depth(t.parkingQueue)) === MESSAGES, {
            ...wait,
            what: 'every message parked',
          });
        else await depth(t.queue);
        const seconds = (performance.now() - t0) / 1_000;
        await c.stop();
        const left = await depth(t.queue);
        if (left !== 0) throw new Error(`${t.queue}: ${left} messages left`);
        return { ops: MESSAGES, seconds };
      };

    const declare = (base: string, o: Partial<DeadLetterOptions> = {}) =>
      declareDeadLettering(pubConn, { queue: ns.name(base), parkingQueue: ns.name(`${base}_parked`), ...o });
    const noDlx = ns.name('no_dlx');
    await admin.assertQueue(noDlx, { durable: true });

    const report = benchReport({
      parameters: {
        messages: `${MESSAGES} per sample, ${BODY.length}-byte JSON, persistent`,
        consumer: `this package's consume(), prefetch ${PREFETCH}, its own connection; handler returns at once or throws`,
        queues:
          'durable classic work queue and durable classic parking queue behind a durable fanout exchange; quorum work queues in the second comparison',
        timed:
          'first delivery -> last message settled, then the parking queue holding every message (dead-letter variants) or one more round trip (others)',
        fill: 'untimed, every message confirmed, queues purged before each sample',
        durability: `RabbitMQ defaults on a ${server.provider} node (the harness's local nodes keep their data on tmpfs under /dev/shm, where a disk sync costs little)`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });
    const compare = async (id: string, title: string, variants: Record<string, () => Promise<RoundSample>>) => {
      for (const run of Object.values(variants)) await run(); // warm-up, untimed
      report.add(await compareRounds({ id, title, variants, baseline: 'ack', rounds: ROUNDS, unit: 'msg/s' }));
    };

    await compare('classic', `Drain ${MESSAGES} messages from a classic queue: ack vs dead-letter, msg/s`, {
      ack: drain(await declare('classic_ack'), false),
      'nack, no dead-letter exchange (dropped)': drain({ queue: noDlx }, true),
      'nack → dead-letter exchange → parking queue': drain(await declare('classic_dlx'), true),
    });
    await compare('quorum', `Drain ${MESSAGES} messages from a quorum queue: ack vs dead-letter, msg/s`, {
      ack: drain(await declare('quorum_ack', { type: 'quorum' }), false),
      'dead-letter, at-most-once': drain(await declare('quorum_amo', { type: 'quorum' }), true),
      'dead-letter, at-least-once': drain(
        await declare('quorum_alo', { type: 'quorum', strategy: 'at-least-once' }),
        true,
      ),
    });
    await confirm.close();
    await admin.close();

    await report.finish(
      "This POC's own claim, the cost of parking a failed message instead of acking it. Classic queue, rate vs ack: " +
        'dead-letter into a parking queue {ratio:classic/nack → dead-letter exchange → parking queue}, ' +
        'nack with no dead-letter exchange (dropped) {ratio:classic/nack, no dead-letter exchange (dropped)}. ' +
        'Quorum queue, rate vs ack: dead-letter at-most-once {ratio:quorum/dead-letter, at-most-once}, at-least-once {ratio:quorum/dead-letter, at-least-once}.',
    );
  } finally {
    await ns.close();
  }
});
