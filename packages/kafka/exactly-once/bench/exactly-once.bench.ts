// pnpm --filter poc-kafka-exactly-once bench
// 1. The roadmap's claim, counted: one processor process running the at-least-once and the transactional
//    processor side by side (same inputs, same kill points) is SIGKILLed 5 times mid-chunk and restarted;
//    then the duplicates in each output are counted, read_committed (and read_uncommitted for the aborted
//    transactions). Facts, not timings.
// 2. This POC's own claim, timed: what exactly-once costs in throughput. Each processor runs in this
//    process on its own 2-partition input and output topics, joined once before the rounds and paused
//    between samples. A sample produces M inputs untimed, resumes the processor and stops the clock when
//    the last chunk of the M is committed: for the transactional processor, its transaction committed
//    (outputs visible to read_committed readers); for at-least-once, its offsets committed after its
//    outputs were acknowledged. The same point on both sides. Transaction size 100 and 10 inputs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  benchProfile,
  benchReport,
  compareRounds,
  eventually,
  kafkaNamespace,
  spawnTsWorker,
  type KafkaNamespace,
  type RoundSample,
  type WorkerProcess,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Admin, type ConfigResourceTypes, type Kafka, type LogEntry, type Producer } from 'kafkajs';
import {
  caughtUp,
  countCopies,
  exactlyOnceProcessor,
  readTopic,
  type Processor,
  type ProcessorOptions,
} from '../src/index.ts';
import { atLeastOnceProcessor } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const PARTITIONS = 2;
const SIZES = [
  { id: 'tx-100', batchSize: 100, messages: SHORT ? 1_000 : 6_000 },
  { id: 'tx-10', batchSize: 10, messages: SHORT ? 200 : 1_000 },
] as const;
const KILLS = ['stall:0', 'after:3', 'stall:2', 'after:5', 'stall:1'] as const;
const CRASH = { first: 200, topUp: 60, batchSize: 10 };
const WORKER = fileURLToPath(new URL('../test/processor-worker.ts', import.meta.url));
const GROUP = { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 6_000, maxWaitTimeInMs: 20 };

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

/** The broker's replication and durability settings as it reports them, and the filesystem of its log directory. */
async function brokerSettings(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const names = [
    'log.dirs',
    'log.flush.interval.messages',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'offsets.topic.replication.factor',
  ];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 4 as ConfigResourceTypes, name: String(brokers[0]!.nodeId), configNames: names }], // 4: BROKER
  });
  const value = (name: string): string =>
    resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 'unset';
  const dirs = value('log.dirs');
  const where = existsSync(dirs) ? `on ${filesystemOf(dirs)}` : 'not on this host (not inspected)';
  return (
    `${brokers.length} broker(s); topics replication factor 1; transaction log replication ` +
    `${value('transaction.state.log.replication.factor')} (min ISR ${value('transaction.state.log.min.isr')}), ` +
    `offsets log replication ${value('offsets.topic.replication.factor')}; log.dirs ${where}, ` +
    `log.flush.interval.messages=${value('log.flush.interval.messages')} (no fsync per write: the page cache)`
  );
}

async function produce(producer: Producer, topic: string, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const messages = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
      key: `k${from + i + j}`,
      value: String(from + i + j),
    }));
    await producer.send({ topic, acks: -1, messages });
  }
}

async function allCommitted(admin: Admin, groupId: string, topic: string): Promise<void> {
  await eventually(() => caughtUp(admin, groupId, topic), {
    timeoutMs: 120_000,
    intervalMs: 100,
    what: `${groupId} committed to the end of ${topic}`,
  });
}

/** Part 1: the kill sequence of test/crash.test.ts, as facts. */
async function crashRun(ns: KafkaNamespace, kafka: Kafka, admin: Admin, producer: Producer) {
  const variants = ['at-least-once', 'exactly-once'] as const;
  const setups = variants.map((variant) => ({
    variant,
    input: ns.topic(`crash-${variant}-in`),
    output: ns.topic(`crash-${variant}-out`),
    groupId: ns.groupId(`crash-${variant}`),
  }));
  await ns.createTopics(
    setups.flatMap((s) => [
      { topic: s.input, numPartitions: PARTITIONS },
      { topic: s.output, numPartitions: PARTITIONS },
    ]),
  );
  let produced = 0;
  const topUp = async (n: number): Promise<void> => {
    for (const s of setups) await produce(producer, s.input, n, produced);
    produced += n;
  };
  const specs = setups.map((s) => `${s.variant}:${s.input}:${s.output}:${s.groupId}`);
  const env = { POC_KAFKA_BROKERS: ns.brokers };
  const workers: WorkerProcess[] = [];
  const spawn = (mode: string): WorkerProcess => {
    const w = spawnTsWorker(WORKER, [mode, String(CRASH.batchSize), ...specs], env);
    workers.push(w);
    return w;
  };
  try {
    await topUp(CRASH.first);
    for (const [i, kill] of KILLS.entries()) {
      if (i > 0) await topUp(CRASH.topUp);
      const [kind, n] = kill.split(':') as [string, string];
      const w = spawn(kind === 'stall' ? kill : 'run');
      for (const v of variants) {
        if (kind === 'stall') await w.waitForLine(`crash-point ${v} `, 120_000);
        else {
          const commits = (): number => w.lines.filter((l) => l.startsWith(`committed ${v} `)).length;
          await eventually(() => commits() >= Number(n), { timeoutMs: 120_000, intervalMs: 10, what: `${n} commits` });
        }
      }
      await w.kill();
    }
    await topUp(CRASH.topUp);
    const last = spawn('run');
    for (const s of setups) await allCommitted(admin, s.groupId, s.input);
    await last.kill();
  } finally {
    for (const w of workers) await w.kill();
  }
  const count = async (topic: string, isolation: 'read_committed' | 'read_uncommitted') =>
    countCopies(
      (await readTopic(kafka, { topic, isolation, groupId: ns.groupId(`${topic}-${isolation}`) })).map((m) => m.value),
    );
  return {
    produced,
    alo: await count(setups[0]!.output, 'read_committed'),
    eos: await count(setups[1]!.output, 'read_committed'),
    eosUncommitted: await count(setups[1]!.output, 'read_uncommitted'),
  };
}

interface Runner {
  processor: Processor;
  input: string;
  /** The sample being timed: inputs committed so far, and done() once all M are. */
  sample?: { target: number; committed: number; last: number; done: () => void };
  errors: number;
}

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'eosbench' });
  let concurrentRetries = 0; // AddPartitionsToTxn/InitProducerId answered CONCURRENT_TRANSACTIONS, retried by KafkaJS
  let transactions = 0;
  const logCreator =
    () =>
    ({ log }: LogEntry): void => {
      if (typeof log.error === 'string' && log.error.includes('another concurrent operation')) concurrentRetries++;
    };
  const kafka = ns.kafka({ logLevel: logLevel.ERROR, logCreator });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const runners: Runner[] = [];
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const report = benchReport({
      parameters: {
        rounds: ROUNDS,
        partitions: PARTITIONS,
        transactionSizes: SIZES.map((s) => `${s.batchSize} inputs (M = ${s.messages} per sample)`).join(', '),
        acks: '-1 (all in-sync replicas) on both processors; the at-least-once producer is idempotent',
        isolation: 'processors read read_committed; the counts below are read back read_committed',
        timed:
          'resume -> last chunk of M pre-produced inputs committed (EOS: transaction committed; ALO: offsets committed after outputs acknowledged)',
        processorsIn:
          'this one Node process, one processor per variant, joined before the rounds, paused between samples',
        warmup: '1 untimed sample per variant and size',
        kafkajsRetry: 'retries 5, initialRetryTime 100 ms (the harness client)',
        crashRun: `${KILLS.length} SIGKILLs (${KILLS.join(', ')}), ${CRASH.first} inputs + ${CRASH.topUp} before each restart, chunks of ${CRASH.batchSize}, ${PARTITIONS} partitions`,
        durability: await brokerSettings(admin),
      },
      services: ['kafka'],
    });

    // 1. The roadmap's claim: duplicates after repeated SIGKILLs.
    const crash = await crashRun(ns, kafka, admin, producer);
    report.add({ id: 'crash-inputs', title: 'Inputs processed in the kill run (each variant)', value: crash.produced });
    report.add({
      id: 'duplicates-at-least-once',
      title: `At-least-once: outputs written twice after ${KILLS.length} SIGKILLs (read back read_committed)`,
      value: crash.alo.duplicates,
    });
    report.add({
      id: 'duplicates-exactly-once',
      title: `Exactly-once: outputs written twice after ${KILLS.length} SIGKILLs (read_committed)`,
      value: crash.eos.duplicates,
    });
    report.add({
      id: 'aborted-exactly-once',
      title: 'Exactly-once: outputs of aborted transactions in the log (seen only read_uncommitted)',
      value: crash.eosUncommitted.duplicates,
    });
    report.add({
      id: 'missing',
      title: 'Inputs with no output in either variant (lost)',
      value: crash.produced - crash.alo.distinct + (crash.produced - crash.eos.distinct),
    });

    // 2. This POC's own claim: throughput, exactly-once vs at-least-once.
    for (const size of SIZES) {
      const make = async (name: string, factory: (k: Kafka, o: ProcessorOptions) => Processor): Promise<Runner> => {
        const input = ns.topic(`${size.id}-${name}-in`);
        const output = ns.topic(`${size.id}-${name}-out`);
        await ns.createTopics([
          { topic: input, numPartitions: PARTITIONS },
          { topic: output, numPartitions: PARTITIONS },
        ]);
        const runner: Runner = { input, errors: 0 } as Runner;
        runner.processor = factory(kafka, {
          groupId: ns.groupId(`${size.id}-${name}`),
          input,
          output,
          transform: ({ message }) => [{ key: message.key, value: message.value }],
          batchSize: size.batchSize,
          consumer: GROUP,
          onCommit: (c) => {
            if (name === 'exactly-once') transactions++;
            const s = runner.sample;
            if (!s) return;
            s.committed += c.inputs;
            if (s.committed >= s.target) {
              s.last = performance.now();
              s.done();
            }
          },
          onError: () => void runner.errors++,
        });
        await runner.processor.start();
        runner.processor.pause();
        runners.push(runner);
        return runner;
      };
      const alo = await make('at-least-once', atLeastOnceProcessor);
      const eos = await make('exactly-once', exactlyOnceProcessor);
      let produced = 0;
      const sample = async (r: Runner): Promise<RoundSample> => {
        await produce(producer, r.input, size.messages, produced);
        produced += size.messages;
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        r.sample = { target: size.messages, committed: 0, last: 0, done };
        const errorsBefore = r.errors;
        const start = performance.now();
        r.processor.resume();
        await finished;
        r.processor.pause();
        const seconds = (r.sample.last - start) / 1_000;
        r.sample = undefined;
        return { ops: size.messages, seconds, errors: r.errors - errorsBefore };
      };
      await sample(alo); // warm-up, untimed
      await sample(eos);
      const retriesBefore = concurrentRetries;
      const transactionsBefore = transactions;
      const comparison = await compareRounds({
        id: size.id,
        title: `Inputs processed end to end per second, ${size.batchSize} inputs per transaction or commit, ${size.messages} inputs per sample on ${PARTITIONS} partitions`,
        variants: { 'at-least-once': () => sample(alo), 'exactly-once': () => sample(eos) },
        rounds: ROUNDS,
        unit: 'msg/s',
      });
      report.add(comparison);
      report.add({
        id: `${size.id}-concurrent-retries`,
        title: `Exactly-once, ${size.batchSize} per transaction: KafkaJS retries after CONCURRENT_TRANSACTIONS per 100 transactions (timed rounds)`,
        value:
          Math.round(((concurrentRetries - retriesBefore) / Math.max(1, transactions - transactionsBefore)) * 1_000) /
          10,
      });
    }

    await report.finish(
      `Roadmap claim, counted: after ${KILLS.length} SIGKILLs mid-chunk, at-least-once wrote {fact:duplicates-at-least-once} duplicate outputs, ` +
        'exactly-once {fact:duplicates-exactly-once} (read_committed). Own claim, the cost: exactly-once ÷ at-least-once throughput = ' +
        '{ratio:tx-100/exactly-once} with 100 inputs per transaction, {ratio:tx-10/exactly-once} with 10 (acks -1, one broker, replication 1).',
    );
  } finally {
    for (const r of runners) await r.processor.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ns.close();
  }
});
