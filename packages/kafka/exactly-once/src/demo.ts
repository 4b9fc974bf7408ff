// pnpm --filter poc-kafka-exactly-once demo: a consume-transform-produce processor SIGKILLed mid-chunk and
// restarted, at-least-once vs transactional; what read_committed and read_uncommitted readers see of an
// open and an aborted transaction; and a frozen processor waking up after its partition moved on.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, serverFor, spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Admin } from 'kafkajs';
import { caughtUp, countCopies, exactlyOnceProcessor, readTopic, type Isolation } from './index.ts';

const WORKER = fileURLToPath(new URL('../test/processor-worker.ts', import.meta.url)); // the crash tests' worker
const say = (line = ''): void => console.log(line);

runMain(async () => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // topics and group ids of its own, removed at the end
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const closers: Array<() => Promise<unknown>> = [];
  const env = { POC_KAFKA_BROKERS: server.url };
  const spawn = (args: string[]): WorkerProcess => {
    const w = spawnTsWorker(WORKER, args, env);
    closers.push(() => w.kill());
    return w;
  };
  const produce = async (topic: string, from: number, n: number): Promise<void> => {
    const messages = Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i) }));
    await producer.send({ topic, acks: -1, messages });
  };
  const copies = async (topic: string, isolation: Isolation) =>
    countCopies(
      (await readTopic(kafka, { topic, isolation, groupId: ns.groupId(`${topic}-${isolation}`) })).map((m) => m.value),
    );
  const setup = async (variant: string, partitions = 1, base = variant) => {
    const s = { variant, input: ns.topic(`${base}-in`), output: ns.topic(`${base}-out`), groupId: ns.groupId(base) };
    await ns.createTopics([
      { topic: s.input, numPartitions: partitions },
      { topic: s.output, numPartitions: partitions },
    ]);
    return s;
  };
  const spec = (s: { variant: string; input: string; output: string; groupId: string }): string =>
    `${s.variant}:${s.input}:${s.output}:${s.groupId}`;

  try {
    await Promise.all([admin.connect(), producer.connect()]);
    closers.push(
      () => admin.disconnect(),
      () => producer.disconnect(),
    );
    say(`Kafka exactly-once demo (Kafka ${server.version}, ${server.provider})`);

    say('\n1. One processor process (at-least-once and transactional side by side), SIGKILLed 3 times, restarted');
    say('   100 inputs on 2 partitions and 40 more before each restart, chunks of 10; each run dies elsewhere');
    const runs = [await setup('at-least-once', 2), await setup('exactly-once', 2)];
    let produced = 100;
    for (const s of runs) await produce(s.input, 0, produced);
    const topUp = async (): Promise<void> => {
      for (const s of runs) await produce(s.input, produced, 40);
      produced += 40;
    };
    const kills = [
      { mode: 'stall:0', what: 'in chunk 1, outputs acknowledged, offsets not committed' },
      { mode: 'run', what: 'after 4 commits each, wherever it is when SIGKILL lands' },
      { mode: 'stall:2', what: 'in chunk 3, outputs acknowledged, offsets not committed' },
    ];
    for (const [i, kill] of kills.entries()) {
      if (i > 0) await topUp();
      const w = spawn([kill.mode, '10', ...runs.map(spec)]);
      for (const s of runs) {
        if (kill.mode === 'run') {
          const n = (): number => w.lines.filter((l) => l.startsWith(`committed ${s.variant} `)).length;
          await eventually(() => n() >= 4, { timeoutMs: 60_000, intervalMs: 10, what: '4 commits' });
        } else {
          await w.waitForLine(`crash-point ${s.variant} `, 60_000);
        }
      }
      await w.kill();
      say(`   kill ${i + 1}: ${kill.what}`);
    }
    await topUp();
    const last = spawn(['run', '10', ...runs.map(spec)]);
    for (const s of runs) await allCommitted(admin, s.groupId, s.input);
    await last.kill();
    say(`   restarted once more and let it finish: all ${produced} inputs committed`);
    say('   processor       outputs (read_committed)  duplicates   outputs (read_uncommitted)  duplicates');
    for (const s of runs) {
      const rc = await copies(s.output, 'read_committed');
      const ru = await copies(s.output, 'read_uncommitted');
      const total = (c: typeof rc): number => c.distinct + c.duplicates;
      say(
        `   ${s.variant.padEnd(15)} ${String(total(rc)).padStart(24)}  ${String(rc.duplicates).padStart(10)}   ${String(total(ru)).padStart(26)}  ${String(ru.duplicates).padStart(10)}`,
      );
    }

    say('\n2. One transaction held open, then aborted, then retried (10 inputs, one chunk)');
    const t = await setup('visibility');
    await produce(t.input, 0, 10);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let attempts = 0;
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    // A read_uncommitted consumer, reading what reaches the log whether committed or not.
    const uncommitted: string[] = [];
    const reader = kafka.consumer({ groupId: ns.groupId('ru'), readUncommitted: true, maxWaitTimeInMs: 100 });
    await reader.connect();
    closers.push(() => reader.disconnect());
    await reader.subscribe({ topics: [t.output], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void uncommitted.push(String(message.value)) });
    const processor = exactlyOnceProcessor(kafka, {
      ...t,
      transform: ({ message }) => [{ key: message.key, value: message.value }],
      batchSize: 10,
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      onProduced: async () => {
        if (++attempts > 1) return;
        opened();
        await released;
        throw new Error('the downstream write failed');
      },
    });
    closers.push(() => processor.stop());
    await processor.start();
    await open;
    const seen = async (ru: number): Promise<string> => {
      await eventually(() => uncommitted.length >= ru, { timeoutMs: 30_000, what: `${ru} read uncommitted` });
      const rc = (await copies(t.output, 'read_committed')).distinct;
      const lso = Number((await admin.fetchTopicOffsets(t.output))[0]!.high);
      return `read_committed ${rc}, read_uncommitted ${uncommitted.length}, last stable offset ${lso}`;
    };
    say(`   open (outputs sent, not committed):  ${await seen(10)}`);
    release();
    await allCommitted(admin, t.groupId, t.input);
    say(`   aborted, then retried and committed: ${await seen(20)}`);
    await processor.stop();

    say('\n3. A zombie: frozen (SIGSTOP) mid-transaction, its partition taken over, then woken (SIGCONT)');
    const zombies = [await setup('unfenced'), await setup('exactly-once', 1, 'zombie')];
    for (const s of zombies) await produce(s.input, 0, 100);
    const specs = zombies.map(spec);
    const zombie = spawn(['freeze:2', '10', ...specs]);
    for (const s of zombies) await zombie.waitForLine(`crash-point ${s.variant} `, 60_000);
    zombie.freeze();
    const successor = spawn(['run', '10', ...specs]);
    for (const s of zombies) await allCommitted(admin, s.groupId, s.input);
    await successor.kill();
    zombie.thaw();
    const afterThaw = (v: string): string | undefined => {
      const from = zombie.lines.indexOf(`thawed ${v}`);
      return from < 0
        ? undefined
        : zombie.lines.slice(from).find((l) => new RegExp(`^(committed|error) ${v} `).test(l));
    };
    for (const s of zombies) {
      const line = await eventually(() => afterThaw(s.variant), { timeoutMs: 30_000, what: 'the zombie commit' });
      const offset = (await admin.fetchOffsets({ groupId: s.groupId, topics: [s.input] }))[0]!.partitions[0]!.offset;
      const rc = await copies(s.output, 'read_committed');
      const id = s.variant === 'unfenced' ? 'its own random transactional id' : 'the partition’s transactional id';
      say(`   ${s.variant} (${id}):`);
      say(`     zombie: ${line.replace(/"[^"]*\.(\d+)"/, '"<group>.<input>.$1"')}`);
      say(`     group offset ${offset} of 100; read_committed: ${rc.distinct} inputs, ${rc.duplicates} duplicates`);
    }
    await zombie.kill();
    say('\ndone');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
  }
});

async function allCommitted(admin: Admin, groupId: string, topic: string): Promise<void> {
  await eventually(() => caughtUp(admin, groupId, topic), {
    timeoutMs: 90_000,
    intervalMs: 100,
    what: `${groupId} committed to the end of ${topic}`,
  });
}
