// pnpm --filter poc-kafka-basics demo: typed topics, keys -> partitions -> per-key order, a dead-letter
// topic, resuming from committed offsets, and a producer whose every connection goes through toxiproxy.
import { eventually, kafkaClient, kafkaNamespace, proxyTo, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Consumer } from 'kafkajs';
import { z } from 'zod';
import {
  DEAD_LETTER_HEADERS,
  ensureTopics,
  redirectingSocketFactory,
  runTypedConsumer,
  topic,
  typedProducer,
  type IncomingMessage,
} from './index.ts';

runMain(async () => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // unique topic names, deleted at the end
  // KafkaJS's own error log is silenced: the failures this demo causes on purpose reach us as typed errors.
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const say = (line = ''): void => console.log(line);
  const FAST = { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 };

  const payments = topic({
    name: ns.topic('payments'),
    schema: z.object({ account: z.string().min(1), seq: z.number().int().nonnegative(), cents: z.number().int() }),
  });
  const deadLetters = ns.topic('payments-dlt');
  // Idempotent: a retried request cannot write a message twice (the broker dedupes by sequence number).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const dltProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  const closers: Array<() => Promise<unknown>> = [];

  try {
    await Promise.all([producer.connect(), dltProducer.connect(), admin.connect()]);
    closers.push(
      () => producer.disconnect(),
      () => dltProducer.disconnect(),
      () => admin.disconnect(),
    );
    say(`Kafka basics demo (Kafka ${server.version}, ${server.provider})`);

    say('\n1. Topic admin');
    await ns.createTopics([{ topic: payments.name, numPartitions: 3 }, { topic: deadLetters }]); // registered for deletion
    const again = await ensureTopics(admin, [
      { topic: payments, partitions: 3 },
      { topic: deadLetters, partitions: 1 },
    ]);
    say(
      `   created ${payments.name.split('.').pop()} (3 partitions) and ${deadLetters.split('.').pop()} (1); ensureTopics again creates ${again.length}`,
    );

    say('\n2. Keys -> partitions -> per-key order: 4 accounts x 5 payments, sent interleaved');
    const typed = typedProducer(producer, { acks: -1 });
    const accounts = ['alice', 'bob', 'carol', 'dave'];
    for (let seq = 0; seq < 5; seq++) {
      await typed.send(
        payments,
        accounts.map((account) => ({ key: account, value: { account, seq, cents: 100 * (seq + 1) } })),
      );
    }
    const handled: Array<IncomingMessage<z.infer<typeof payments.schema>>> = [];
    const startConsumer = async (): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId: ns.groupId('ledger'), ...FAST });
      await consumer.connect();
      closers.push(() => consumer.disconnect());
      await runTypedConsumer(consumer, {
        topic: payments,
        fromBeginning: true,
        deadLetter: { topic: deadLetters, producer: dltProducer },
        handle: async (m) => void handled.push(m),
        onDeadLetter: (l) => say(`   dead-lettered offset ${l.offset}: ${l.reason} (${l.detail})`),
      });
      return consumer;
    };
    const ledger = await startConsumer();
    await eventually(() => handled.length === 20, { timeoutMs: 30_000, what: '20 payments handled' });
    for (const account of accounts) {
      const mine = handled.filter((m) => m.value.account === account);
      say(`   ${account.padEnd(5)} -> partition ${mine[0]!.partition}, seqs ${mine.map((m) => m.value.seq).join(',')}`);
    }
    const order = handled.map((m) => `${m.value.account[0]}${m.value.seq}`);
    say(`   handling order across partitions: ${order.slice(0, 12).join(' ')} ...`);

    say('\n3. Malformed messages go to the dead-letter topic; the consumer keeps going');
    await producer.send({
      topic: payments.name,
      messages: [
        { key: 'alice', value: '{"account":"alice","seq":5' },
        { key: 'alice', value: JSON.stringify({ account: 'alice', seq: 6, cents: 12.5 }) },
        { key: 'alice', value: JSON.stringify({ account: 'alice', seq: 7, cents: 700 }) },
      ],
    });
    await eventually(() => handled.length === 21, { timeoutMs: 20_000, what: 'the good message after the bad ones' });
    say(`   next good message handled: alice seq ${handled[20]!.value.seq}`);
    const offsets = await admin.fetchTopicOffsets(deadLetters);
    say(
      `   dead-letter topic now holds ${offsets[0]!.high} messages, reason in header "${DEAD_LETTER_HEADERS.reason}"`,
    );

    say('\n4. Stop, produce while nobody listens, restart: resume from committed offsets');
    await ledger.disconnect();
    await typed.send(
      payments,
      accounts.map((account) => ({ key: account, value: { account, seq: 100, cents: 1 } })),
    );
    const before = handled.length;
    await startConsumer();
    await eventually(() => handled.length === before + 4, { timeoutMs: 30_000, what: 'the 4 new payments' });
    say(
      `   restarted consumer handled ${handled.length - before} messages: ${handled
        .slice(before)
        .map((m) => `${m.value.account}#${m.value.seq}`)
        .join(', ')} (nothing re-processed)`,
    );

    say('\n5. A producer whose every broker connection goes through toxiproxy');
    const proxy = await proxyTo(ns.brokers.split(',')[0]!);
    closers.push(() => proxy.close());
    let redirected = 0;
    const viaProxy = kafkaClient(ns.brokers, {
      socketFactory: redirectingSocketFactory(
        { [ns.brokers.split(',')[0]!]: proxy.listen },
        (_t, r) => void (redirected += r ? 1 : 0),
      ),
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      connectionTimeout: 1_000,
      logLevel: logLevel.NOTHING,
    }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await viaProxy.connect();
    closers.push(() => viaProxy.disconnect());
    const proxied = typedProducer(viaProxy);
    const timedSend = async (seq: number): Promise<string> => {
      const t0 = performance.now();
      await proxied.send(payments, [{ key: 'erin', value: { account: 'erin', seq, cents: 1 } }]);
      return `${Math.round(performance.now() - t0)} ms`;
    };
    say(
      `   send, clean link:          ${await timedSend(0)} (${redirected} connection(s), all redirected to ${proxy.listen})`,
    );
    await proxy.addLatency(300);
    say(`   send, +300 ms latency:     ${await timedSend(1)}`);
    await proxy.cut();
    const err = await timedSend(2).catch((e: unknown) => e as Error);
    say(`   send, link cut:            ${err instanceof Error ? `${err.name}: ${err.message}` : 'succeeded (!)'}`);
    await proxy.restore();
    say(`   send again after restore:  ${await timedSend(2)}`);
    await eventually(() => handled.filter((m) => m.value.account === 'erin').length === 3, {
      timeoutMs: 30_000,
      what: 'erin',
    });
    say(
      `   consumer received erin seqs ${handled
        .filter((m) => m.value.account === 'erin')
        .map((m) => m.value.seq)
        .join(',')}`,
    );
    say('\ndone');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
  }
});
