// pnpm --filter poc-kafka-consumer-groups bench
// Throughput of one consumer group on a 4-partition topic with 1, 2 and 4 members (all in this
// process), for two handlers: a no-op (pure client + broker cost) and 2 ms of simulated I/O per
// message (a database write, an HTTP call).
//
// Only consumption is timed. Each variant has its own group and topic, formed once before the rounds
// (joins and rebalances are not what is measured) and paused between samples. A sample:
//   1. (untimed) check that the group is Stable with every member and every partition owned once;
//   2. (untimed) produce M messages to the paused group's topic: a backlog, so the producer cannot
//      be the limit (an earlier version produced inside the timed window, and 1, 2 and 4 consumers
//      all ran at the producer's speed);
//   3. (timed) resume every member and wait until each of the M messages has been handled once;
//      the clock stops at the last one. Then the group is paused again.
// Every variant gets one untimed warm-up sample per handler; rounds are interleaved and rotated by
// the harness (compareRounds), and a consumer crash during a sample is counted as an error.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchProfile,
  benchReport,
  compareRounds,
  eventually,
  kafkaNamespace,
  summarize,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type ConfigResourceTypes, type Admin, type Consumer, type EachMessagePayload } from 'kafkajs';
import { coversExactlyOnce, describeAssignment, runGroupConsumer } from '../src/index.ts';

const PARTITIONS = 4;
const ROUNDS = 6; // 6 rounds: the harness gives each ratio a 95%+ interval (min–max of the 6 per-round ratios)
const SHORT = benchProfile() === 'short';
const MAX_WAIT_MS = 20; // how long an idle (or fully paused) member sleeps between fetches: bounds the wake-up after resume
const HANDLERS = {
  noop: {
    title: 'no-op handler',
    messages: SHORT ? 4_000 : 40_000,
    handle: async (): Promise<void> => {},
  },
  'io-2ms': {
    title: '2 ms I/O per message',
    messages: SHORT ? 300 : 800,
    handle: (): Promise<void> => sleep(2).then(() => undefined),
  },
} as const;
type HandlerId = keyof typeof HANDLERS;
const VARIANTS = [
  { name: '1 consumer', members: 1 },
  { name: '2 consumers', members: 2 },
  { name: '4 consumers', members: 4 },
] as const;

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
async function brokerDurability(admin: Admin): Promise<string> {
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
    `1 broker, replication factor 1, producer acks -1; log.dirs ${dirs} ${where}; ` +
    `log.flush.interval.messages=${value('log.flush.interval.messages')}, log.flush.interval.ms=${value('log.flush.interval.ms')} ` +
    '(unset/max: no fsync per write, the page cache)'
  );
}

interface Group {
  name: string;
  members: number;
  groupId: string;
  topic: string;
  consumers: Consumer[];
  /** The sample being drained: its messages, those handled so far, and done() for the last one. */
  sample?: { id: number; messages: number; seen: Set<number>; duplicates: number; last: number; done: () => void };
  crashes: number;
}

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'kgbench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const groups: Group[] = [];
  let handler: () => Promise<void> = HANDLERS.noop.handle;
  let sampleId = 0;
  let duplicates = 0;
  const produceRates: number[] = [];

  const pauseAll = (g: Group): void => g.consumers.forEach((c) => c.pause([{ topic: g.topic }]));
  const resumeAll = (g: Group): void => g.consumers.forEach((c) => c.resume([{ topic: g.topic }]));

  async function settled(g: Group): Promise<void> {
    await eventually(
      async () => {
        const a = await describeAssignment(admin, g.groupId, g.topic);
        return a.state === 'Stable' && a.members.length === g.members && coversExactlyOnce(a, PARTITIONS);
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${g.name}: a settled group` },
    );
  }

  async function startGroup(name: string, members: number): Promise<Group> {
    const g: Group = {
      name,
      members,
      groupId: ns.groupId(`g${members}`),
      topic: ns.topic(`t${members}`),
      consumers: [],
      crashes: 0,
    };
    await ns.createTopics([{ topic: g.topic, numPartitions: PARTITIONS }]);
    const handle = async ({ message }: EachMessagePayload): Promise<void> => {
      const s = g.sample;
      const [id, n] = String(message.value).split(':').map(Number) as [number, number];
      if (!s || id !== s.id) return; // a message of an earlier sample handled again after a rebalance
      await handler();
      if (s.seen.has(n)) {
        s.duplicates++;
        return;
      }
      s.seen.add(n);
      if (s.seen.size === s.messages) {
        s.last = performance.now();
        s.done();
      }
    };
    for (let i = 0; i < members; i++) {
      const c = kafka.consumer({
        groupId: g.groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        rebalanceTimeout: 10_000,
        maxWaitTimeInMs: MAX_WAIT_MS,
      });
      await c.connect();
      g.consumers.push(c);
      await runGroupConsumer(c, {
        topic: g.topic,
        commit: 'after-processing',
        commitEvery: 100,
        fromBeginning: true,
        handle,
        onCrash: () => void g.crashes++,
      });
    }
    await settled(g);
    pauseAll(g);
    return g;
  }

  /** One sample: M messages produced to the paused group (untimed), then drained by it (timed). */
  async function drain(g: Group, messages: number): Promise<RoundSample> {
    await settled(g);
    const id = ++sampleId;
    const t0 = performance.now();
    for (let sent = 0; sent < messages; sent += 1_000) {
      await producer.send({
        topic: g.topic,
        messages: Array.from({ length: Math.min(1_000, messages - sent) }, (_, i) => ({
          key: `k${sent + i}`,
          value: `${id}:${sent + i}`,
        })),
      });
    }
    produceRates.push(messages / ((performance.now() - t0) / 1_000));
    const crashesBefore = g.crashes;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    g.sample = { id, messages, seen: new Set(), duplicates: 0, last: 0, done };
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    resumeAll(g);
    try {
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${g.name}: ${g.sample?.seen.size ?? 0} of ${messages} handled after 120 s`)),
            120_000,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      pauseAll(g);
    }
    const s = g.sample;
    duplicates += s.duplicates;
    return { ops: messages, seconds: (s.last - start) / 1_000, errors: g.crashes - crashesBefore };
  }

  try {
    await Promise.all([admin.connect(), producer.connect()]);
    for (const v of VARIANTS) groups.push(await startGroup(v.name, v.members));

    const report = benchReport({
      parameters: {
        partitions: PARTITIONS,
        rounds: ROUNDS,
        consumersIn: 'this one Node process',
        noopMessages: HANDLERS.noop.messages,
        ioMessages: HANDLERS['io-2ms'].messages,
        commit: 'after-processing, every 100',
        maxWaitTimeInMs: MAX_WAIT_MS,
        groups: 'one per variant, formed before the rounds, paused between samples',
        timed: 'resume -> last of M pre-produced messages handled (production, joins excluded)',
        warmup: '1 untimed sample per variant and handler',
        durability: await brokerDurability(admin),
      },
      services: ['kafka'],
    });
    const produceNoop: number[] = [];
    for (const id of Object.keys(HANDLERS) as HandlerId[]) {
      const h = HANDLERS[id];
      handler = h.handle;
      for (const g of groups) await drain(g, h.messages); // warm-up, untimed
      produceRates.length = 0;
      const comparison = await compareRounds({
        id,
        title: `${h.title}: messages/s of one group draining ${h.messages} pre-produced messages on ${PARTITIONS} partitions`,
        variants: Object.fromEntries(groups.map((g) => [g.name, () => drain(g, h.messages)])),
        rounds: ROUNDS,
        unit: 'msg/s',
      });
      report.add(comparison);
      if (id === 'noop') produceNoop.push(...produceRates);
    }
    report.add({
      id: 'producer-rate',
      title: `Producer alone, pre-filling ${HANDLERS.noop.messages} messages in batches of 1 000 (median over the no-op samples)`,
      value: Math.round(summarize(produceNoop).median),
      unit: 'msg/s',
    });
    report.add({
      id: 'duplicates',
      title: 'Messages handled twice in a timed sample (a rebalance mid-sample)',
      value: duplicates,
    });
    await report.finish(
      'Draining a pre-produced backlog on 4 partitions with 2 ms of I/O per message, 4 vs 1 consumers: ' +
        '{ratio:io-2ms/4 consumers}; 2 vs 1: {ratio:io-2ms/2 consumers}. With a no-op handler (every member ' +
        'in one Node process, on the same host as the broker), 4 vs 1: {ratio:noop/4 consumers}; 2 vs 1: {ratio:noop/2 consumers}.',
    );
  } finally {
    for (const g of groups) for (const c of g.consumers) await c.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ns.close();
  }
});
