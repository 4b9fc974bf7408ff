// pnpm --filter poc-kafka-basics bench
// 1. Produce: batches of BATCH messages, zod validation on vs off (acks -1 both).
// 2. Produce: acks -1 (all in-sync replicas) vs acks 1 (leader only), validation on both.
// 3. Consume: a fresh group reads a pre-filled topic through runTypedConsumer, validation on vs off
//    (messages per second from the first message handled to the last; group join not counted).
// 4. Decode only (CPU, no Kafka): JSON.parse vs JSON.parse + zod, per BATCH messages.
import { benchReport, compareThroughput, eventually, kafkaNamespace, summarize, type Comparison } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel } from 'kafkajs';
import { z } from 'zod';
import { runTypedConsumer, topic, typedProducer, type OutgoingMessage } from '../src/index.ts';

const BATCH = 100;
const PARTITIONS = 4;
const CONSUME_MESSAGES = 20_000;
const ROUNDS = 3;
const TIME_MS = 1_500;

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
        schema: 'uuid, string, int, enum, ISO datetime, string[]',
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
    for (let sent = 0; sent < CONSUME_MESSAGES; sent += BATCH) await unvalidated.send(prefilled, batch());
    const consumeOnce = async (validate: boolean, round: number): Promise<number> => {
      const consumer = kafka.consumer({
        groupId: ns.groupId(`c${round}${validate ? 'v' : 'n'}`),
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      try {
        let handled = 0;
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
        });
        await eventually(() => handled === CONSUME_MESSAGES, {
          timeoutMs: 120_000,
          intervalMs: 50,
          what: 'all prefilled messages consumed',
        });
        return (CONSUME_MESSAGES - 1) / ((last - first) / 1_000);
      } finally {
        await consumer.disconnect();
      }
    };
    const perRound: Array<Record<string, number>> = [];
    const names = ['no validation', 'zod validation'] as const;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      const r: Record<string, number> = {};
      for (const name of order) r[name] = await consumeOnce(name === 'zod validation', round);
      perRound.push(r);
      process.stderr.write(
        `  consume round ${round + 1}/${ROUNDS}: ${names.map((x) => `${x} ${Math.round(r[x]!)} msg/s`).join(', ')}\n`,
      );
    }
    const ratios = perRound.map((r) => r['zod validation']! / r['no validation']!);
    const consume: Comparison = {
      id: 'consume-validation',
      title: `Consume ${CONSUME_MESSAGES} messages with runTypedConsumer: without vs with zod validation (ops = messages)`,
      kind: 'throughput',
      baseline: 'no validation',
      rounds: ROUNDS,
      variants: names.map((name) => ({ name, opsPerSec: summarize(perRound.map((r) => r[name]!)), errors: 0 })),
      ratios: [
        {
          variant: 'zod validation',
          baseline: 'no validation',
          ...(({ median, min, max }) => ({ median, min, max }))(summarize(ratios)),
        },
      ],
    };
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

    const med = (c: Comparison, v: string): string => c.ratios.find((r) => r.variant === v)!.median.toFixed(2);
    const msgs = (c: Comparison, v: string, per: number): string =>
      Math.round(c.variants.find((x) => x.name === v)!.opsPerSec.median * per).toLocaleString('en-US');
    await report.finish(
      `Validating every message with zod costs little end to end: produce with ÷ without = ${med(produceValidation, 'zod validation')}x ` +
        `(${msgs(produceValidation, 'zod validation', BATCH)} vs ${msgs(produceValidation, 'no validation', BATCH)} msg/s), consume ${med(consume, 'zod validation')}x, ` +
        `although decoding alone is ${med(decode, 'zod validation')}x; acks 1 ÷ acks -1 = ${med(produceAcks, 'acks 1 (leader)')}x on this single broker.`,
    );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await ns.close();
  }
});
