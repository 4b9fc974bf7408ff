// pnpm --filter poc-kafka-basics bench
// 1. Produce: batches of BATCH messages, zod validation on vs off (acks -1 both).
// 2. Produce: acks -1 (all in-sync replicas) vs acks 1 (leader only), validation on both.
// 3. Consume: a fresh group reads a pre-filled topic through runTypedConsumer, validation on vs off
//    (messages per second from the first message handled to the last; group join not counted). One
//    untimed warm-up read per variant, then interleaved rounds (compareRounds); a message sent to the
//    dead-letter topic or a consumer crash counts as an error.
// 4. Decode only (CPU, no Kafka): JSON.parse vs JSON.parse + zod, per BATCH messages.
// Every ratio is variant ÷ baseline within a round, and the table and headline give the median of
// those per-round ratios with its interval (not the ratio of the two median rates, which differs when
// rounds are noisy: an earlier typed headline said 0.94x next to medians whose quotient was 0.72x).
import {
  benchReport,
  compareRounds,
  compareThroughput,
  eventually,
  kafkaNamespace,
  type RoundSample,
} from '@poc/harness';
import { existsSync, readFileSync } from 'node:fs';
import { runMain } from '@poc/kit';
import { logLevel, type ConfigResourceTypes, type Kafka } from 'kafkajs';
import { z } from 'zod';
import { runTypedConsumer, topic, typedProducer, type OutgoingMessage } from '../src/index.ts';

const BATCH = 100;
const PARTITIONS = 4;
const CONSUME_MESSAGES = 60_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const TIME_MS = 1_000;

/** The filesystem type (tmpfs, ext4 ...) that holds `path`, from /proc/mounts: the longest mount point above it. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const m = mount.replace(/\\040/g, ' ');
    const under = path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (under && m.length >= best.mount.length) best = { mount: m, type };
  }
  return best.type;
}

/** The broker's durability settings as it reports them, and the filesystem of its log directory. */
async function brokerDurability(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: 4 as ConfigResourceTypes, // ConfigResourceTypes.BROKER: the CommonJS export is not visible to an ES import
          name: String(brokers[0]!.nodeId),
          configNames: ['log.dirs', 'log.flush.interval.messages', 'log.flush.interval.ms'],
        },
      ],
    });
    const value = (name: string): string =>
      resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 'unset';
    const dirs = value('log.dirs');
    const where = existsSync(dirs) ? `on ${filesystemOf(dirs)}` : 'not on this host (not inspected)';
    return (
      `log.dirs ${dirs} ${where}; log.flush.interval.messages=${value('log.flush.interval.messages')}, ` +
      `log.flush.interval.ms=${value('log.flush.interval.ms')} (unset/max: no fsync per write, the page cache)`
    );
  } finally {
    await admin.disconnect();
  }
}

const paymentSchema = z.object({
  id: z.uuid(),
  account: z.string().min(1).max(64),
  cents: z.number().int(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
  at: z.iso.datetime(),
  tags: z.array(z.string()).max(10),
});
type Payment = z.infer<typeof paymentSchema>;

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'kbench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const payments = topic({ name: ns.topic('payments'), schema: paymentSchema });
  const prefilled = topic({ name: ns.topic('prefilled'), schema: paymentSchema });
  const dlt = ns.topic('dlt');
  const producer = kafka.producer();
  const closers: Array<() => Promise<unknown>> = [() => producer.disconnect()];

  let n = 0;
  const batch = (): Array<OutgoingMessage<Payment>> =>
    Array.from({ length: BATCH }, () => {
      n++;
      const account = `acct-${n % 50}`;
      const id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
      return {
        key: account,
        value: {
          id,
          account,
          cents: n % 10_000,
          currency: 'EUR',
          at: new Date(1_700_000_000_000 + n).toISOString(),
          tags: ['web', 'card'],
        },
      };
    });

  try {
    await producer.connect();
    await ns.createTopics([
      { topic: payments.name, numPartitions: PARTITIONS },
      { topic: prefilled.name, numPartitions: PARTITIONS },
      { topic: dlt },
    ]);
    const report = benchReport({
      parameters: {
        batch: BATCH,
        partitions: PARTITIONS,
        consumeMessages: CONSUME_MESSAGES,
        rounds: ROUNDS,
        timeMsPerVariant: TIME_MS,
        brokers: '1 (replication factor 1)',
        durability: await brokerDurability(kafka),
        producer: 'one KafkaJS producer, not idempotent, default batching and no compression',
        schema: 'uuid, string, int, enum, ISO datetime, string[]',
        consumeTimed: 'first message handled -> last, a fresh group per sample (join not counted)',
        warmup: '200 ms per variant and round (produce, decode); 1 untimed read per variant (consume)',
      },
      services: ['kafka'],
    });

    const validated = {
      m1: typedProducer(producer, { acks: -1, validate: true }),
      leader: typedProducer(producer, { acks: 1, validate: true }),
    };
    const unvalidated = typedProducer(producer, { acks: -1, validate: false });

    const produceValidation = await compareThroughput({
      id: 'produce-validation',
      title: `Produce ${BATCH}-message batches (acks -1): without vs with zod validation (ops = batches)`,
      variants: {
        'no validation': () => unvalidated.send(payments, batch()),
        'zod validation': () => validated.m1.send(payments, batch()),
      },
      rounds: ROUNDS,
      timeMs: TIME_MS,
    });
    report.add(produceValidation);

    const produceAcks = await compareThroughput({
      id: 'produce-acks',
      title: `Produce ${BATCH}-message batches (validated): acks -1 (all) vs acks 1 (leader) (ops = batches)`,
      variants: {
        'acks -1 (all)': () => validated.m1.send(payments, batch()),
        'acks 1 (leader)': () => validated.leader.send(payments, batch()),
      },
      rounds: ROUNDS,
      timeMs: TIME_MS,
    });
    report.add(produceAcks);

    // Consume: pre-fill once, then each round every variant reads it all with a new consumer group.
    for (let sent = 0; sent < CONSUME_MESSAGES; sent += BATCH * 10)
      await Promise.all(
        Array.from({ length: Math.min(10, (CONSUME_MESSAGES - sent) / BATCH) }, () =>
          unvalidated.send(prefilled, batch()),
        ),
      );
    let groups = 0;
    const consumeOnce = async (validate: boolean): Promise<RoundSample> => {
      const consumer = kafka.consumer({
        groupId: ns.groupId(`c${groups++}${validate ? 'v' : 'n'}`),
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      try {
        let handled = 0;
        let errors = 0;
        let first = 0;
        let last = 0;
        await runTypedConsumer(consumer, {
          topic: prefilled,
          fromBeginning: true,
          validate,
          deadLetter: { topic: dlt, producer },
          handle: async () => {
            if (handled++ === 0) first = performance.now();
            last = performance.now();
          },
          onDeadLetter: () => void errors++,
          onCrash: () => void errors++,
        });
        await eventually(() => handled + errors >= CONSUME_MESSAGES, {
          timeoutMs: 120_000,
          intervalMs: 50,
          what: 'all prefilled messages consumed',
        });
        // From the first message handled to the last: CONSUME_MESSAGES - 1 intervals.
        return { ops: CONSUME_MESSAGES - 1, seconds: (last - first) / 1_000, errors };
      } finally {
        await consumer.disconnect();
      }
    };
    const consumeVariants = {
      'no validation': () => consumeOnce(false),
      'zod validation': () => consumeOnce(true),
    };
    for (const run of Object.values(consumeVariants)) await run(); // warm-up, untimed
    const consume = await compareRounds({
      id: 'consume-validation',
      title: `Consume ${CONSUME_MESSAGES} messages with runTypedConsumer: without vs with zod validation (ops = messages)`,
      variants: consumeVariants,
      rounds: ROUNDS,
      unit: 'msg/s',
    });
    report.add(consume);

    const encoded = batch().map((m) => payments.serialize(m.value));
    const decode = await compareThroughput({
      id: 'decode-only',
      title: `Decode ${BATCH} messages, CPU only (no Kafka): JSON.parse vs JSON.parse + zod (ops = batches)`,
      variants: {
        'no validation': () => encoded.forEach((b) => payments.decode(b, false)),
        'zod validation': () => encoded.forEach((b) => payments.decode(b, true)),
      },
      rounds: ROUNDS,
      timeMs: 1_000,
    });
    report.add(decode);

    await report.finish(
      'Zod validation on ÷ off: producing batches of {param:batch}, {ratio:produce-validation/zod validation}, ' +
        'at {ops:produce-validation/zod validation} vs {ops:produce-validation/no validation} batches/s; ' +
        'consuming, {ratio:consume-validation/zod validation}; decoding alone, without Kafka, {ratio:decode-only/zod validation}. ' +
        'acks 1 ÷ acks -1 on one broker (replication factor 1): {ratio:produce-acks/acks 1 (leader)}.',
    );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await ns.close();
  }
});
