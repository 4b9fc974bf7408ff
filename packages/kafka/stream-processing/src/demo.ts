// pnpm --filter poc-kafka-stream-processing demo: windowed counts with a tumbling and a hopping window,
// a late event within grace (a correction) and one after it (the late-events topic), then a processor
// process SIGKILLed mid-window and restarted: the pattern restores its counts from the changelog, the
// naive version (state in memory) loses them. Times print as minutes:seconds after a start hour T0.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, serverFor, spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { logLevel, type Admin, type Kafka, type Producer } from 'kafkajs';
import {
  hoppingWindow,
  processorTopics,
  readLatestByKey,
  scanTopic,
  tumblingWindow,
  windowedCount,
  type ProcessorTopics,
  type RejectedEvent,
  type WindowCount,
  type WindowResult,
} from './index.ts';

const say = (line = ''): void => console.log(line);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR; // recent: old timestamps fall to the topics' retention
const at = (t: number): string => {
  const s = Math.round((t - T0) / SECOND);
  const abs = Math.abs(s);
  return `${s < 0 ? '-' : ''}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
};
const windows = () => [tumblingWindow(MINUTE, 'tumbling-1m'), hoppingWindow(MINUTE, 20 * SECOND, 'hopping-1m-20s')];
const key = (c: WindowCount): string => `${c.window}|${c.key}|${c.start}`;

async function send(producer: Producer, topic: string, events: Array<[string, number]>): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map(([k, t]) => ({ key: k, value: `${k} clicked`, timestamp: String(t) })),
  });
}

/** Every committed record of a topic (JSON values), polling until `ready` holds: commits become visible just after. */
async function readJson<T>(kafka: Kafka, topic: string, ready: (records: T[]) => boolean): Promise<T[]> {
  return eventually(
    async () => {
      const records: T[] = [];
      await scanTopic(kafka, topic, (r) => void records.push(JSON.parse(String(r.value)) as T), {
        groupPrefix: `${topic}.demo`,
      });
      return ready(records) ? records : false;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `the records of ${topic}` },
  );
}

/** The same events, counted by hand: the reference for step 3. */
function recount(events: Array<[string, number]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [k, t] of events)
    for (const [name, size, advance] of [
      ['tumbling-1m', MINUTE, MINUTE],
      ['hopping-1m-20s', MINUTE, 20 * SECOND],
    ] as const)
      for (let s = Math.floor(t / advance) * advance; s > t - size; s -= advance)
        counts.set(`${name}|${k}|${s}`, (counts.get(`${name}|${k}|${s}`) ?? 0) + 1);
  return counts;
}

runMain(async () => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // topics and group ids of its own, removed at the end
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  const closers: Array<() => Promise<unknown>> = [];
  const topicsFor = async (base: string, partitions: number): Promise<ProcessorTopics> => {
    const topics = {
      input: ns.topic(`${base}.clicks`),
      output: ns.topic(`${base}.counts`),
      changelog: ns.topic(`${base}.counts-changelog`),
      lateEvents: ns.topic(`${base}.late-clicks`),
    };
    await ns.createTopics(processorTopics(topics, partitions));
    return topics;
  };
  try {
    await Promise.all([producer.connect(), admin.connect()]);
    closers.push(
      () => producer.disconnect(),
      () => admin.disconnect(),
    );
    say(`Stream processing demo: kafka ${server.version} (${server.provider})`);
    say('Windows: tumbling 1 min, hopping 1 min every 20 s; grace 30 s. Times are m:ss after a start hour T0.');

    say('\n1. Clicks counted per user and window (event time = the message timestamp)');
    const topics = await topicsFor('clicks', 1);
    const clock = new ManualClock(T0 + 45 * SECOND); // the processor's "now", moved by hand below
    const processor = windowedCount(kafka, {
      name: ns.groupId('clicks'),
      ...topics,
      windows: windows(),
      graceMs: 30 * SECOND,
      clock,
    });
    closers.push(() => processor.stop());
    await processor.start();
    const onTime: Array<[string, number]> = [
      ['alice', T0 + 5 * SECOND],
      ['bob', T0 + 12 * SECOND],
      ['alice', T0 + 25 * SECOND],
      ['alice', T0 + 41 * SECOND],
      ['bob', T0 + 44 * SECOND],
    ];
    await send(producer, topics.input, onTime);
    await eventually(() => processor.status().events === 5, { timeoutMs: 30_000, what: '5 events committed' });
    say(`   clock ${at(clock.now())}; sent ${onTime.map(([k, t]) => `${k}@${at(t)}`).join(', ')}`);
    const byWindow = new Map<string, string[]>();
    const ordered = processor.counts().sort((a, b) => b.window.localeCompare(a.window) || a.start - b.start);
    for (const c of ordered) {
      const w = `${c.window.padEnd(15)} [${at(c.start)}, ${at(c.end)})`.padEnd(32);
      byWindow.set(w, [...(byWindow.get(w) ?? []), `${c.key} ${c.count}`]);
    }
    for (const [w, counts] of byWindow) say(`   ${w} ${counts.join(', ')}`);

    say('\n2. Late events: within grace they correct the window, after it they go to the late-events topic');
    await clock.advance(25 * SECOND);
    await send(producer, topics.input, [['alice', T0 + 55 * SECOND]]);
    await eventually(() => processor.status().events === 6, { timeoutMs: 30_000, what: '6 events committed' });
    const isTumblingAlice = (r: WindowResult): boolean =>
      r.window === 'tumbling-1m' && r.key === 'alice' && r.start === T0;
    const outputs = await readJson<WindowResult>(kafka, topics.output, (rs) => rs.filter(isTumblingAlice).length === 2);
    const [first, correction] = outputs.filter(isTumblingAlice);
    say(
      `   clock ${at(clock.now())} (window [0:00, 1:00) ended, grace until 1:30); sent alice@${at(T0 + 55 * SECOND)}`,
    );
    say(
      `   output for tumbling [0:00, 1:00) alice: count ${first!.count} (correction ${first!.correction}), then ${correction!.count} (correction ${correction!.correction})`,
    );
    await clock.advance(25 * SECOND);
    await send(producer, topics.input, [['alice', T0 + 58 * SECOND]]);
    await eventually(() => processor.status().events === 7, { timeoutMs: 30_000, what: '7 events committed' });
    const [late] = await readJson<RejectedEvent>(kafka, topics.lateEvents, (rs) => rs.length === 1);
    say(`   clock ${at(clock.now())} (past the grace); sent alice@${at(T0 + 58 * SECOND)}`);
    say(
      `   late-events topic: ${late!.reason} ${late!.key}@${at(late!.time!)}, missed ${late!.missed.map((m) => `${m.window} [${at(m.start)}, ${at(m.end)})`).join(' and ')}`,
    );
    say(
      `   (still counted in the hopping windows that were open: ${processor
        .counts()
        .filter(
          (c) =>
            c.key === 'alice' &&
            c.start >= T0 + 20 * SECOND &&
            c.start <= T0 + 40 * SECOND &&
            c.window.startsWith('hopping'),
        )
        .map((c) => `[${at(c.start)}, ${at(c.end)}) ${c.count}`)
        .join(', ')})`,
    );
    const { latest } = await readLatestByKey(kafka, topics.changelog, { groupPrefix: ns.groupId('peek') });
    const tombstones = [...latest.values()].filter((r) => r.value === null).length;
    say(`   changelog: ${latest.size} keys, ${tombstones} of them tombstones (closed windows, dropped from the state)`);
    await processor.stop();

    say(
      '\n3. SIGKILL a processor process mid-window (a batch sent, not committed), restart it, compare with a recount',
    );
    const script = fileURLToPath(new URL('../test/crash-worker.ts', import.meta.url)); // the crash test's worker
    const env = { POC_KAFKA_BROKERS: server.url };
    const NOW = T0 + 2 * MINUTE;
    const users = ['alice', 'bob', 'carol', 'dave'];
    const stage = (s: number): Array<[string, number]> =>
      Array.from({ length: 40 }, (_, i) => [
        users[(i * 3 + s) % 4]!,
        T0 + MINUTE + ((s * 6007 + i * 2999) % (2 * MINUTE)),
      ]);
    const offsets = async (a: Admin, topic: string): Promise<Record<string, string>> =>
      Object.fromEntries((await a.fetchTopicOffsets(topic)).map((p) => [String(p.partition), p.high]));
    const committedUpTo = (group: string, topic: string, ends: Record<string, string>): Promise<unknown> =>
      eventually(
        async () => {
          const [o] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          return o!.partitions.every((p) => p.offset === ends[String(p.partition)]);
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `${group} committed` },
      );
    for (const variant of ['pattern', 'naive'] as const) {
      const t = await topicsFor(`crash-${variant}`, 2);
      const name = ns.groupId(`crash-${variant}`);
      const spawn = (stall?: Record<string, string>): WorkerProcess => {
        const w = spawnTsWorker(
          script,
          [variant, name, JSON.stringify(t), String(NOW), ...(stall ? [JSON.stringify(stall)] : [])],
          env,
        );
        closers.push(() => w.kill());
        return w;
      };
      await send(producer, t.input, stage(1));
      const afterStage1 = await offsets(admin, t.input);
      const crashed = spawn(afterStage1);
      await committedUpTo(name, t.input, afterStage1);
      await send(producer, t.input, stage(2));
      const crashPoint = await crashed.waitForLine('crash-point', 60_000);
      await crashed.kill();
      const restarted = spawn();
      const restoredLine = await restarted.waitForLine('restored', 60_000);
      await restarted.waitForLine('running', 60_000);
      await send(producer, t.input, stage(3));
      await committedUpTo(name, t.input, await offsets(admin, t.input));
      await restarted.kill();

      const expected = recount([...stage(1), ...stage(2), ...stage(3)]);
      const total = [...expected.values()].reduce((a, b) => a + b, 0);
      const outputs = await readJson<WindowResult>(kafka, t.output, (rs) => {
        const got = new Map(rs.map((r) => [key(r), r.count]));
        return variant === 'naive' || [...expected].every(([k, v]) => got.get(k) === v);
      });
      const got = new Map(outputs.map((r) => [key(r), r.count]));
      const counted = [...got.values()].reduce((a, b) => a + b, 0);
      const same = got.size === expected.size && [...expected].every(([k, v]) => got.get(k) === v);
      const [, records, entries] = restoredLine.split(' ');
      const [, changelogSent, outputSent] = crashPoint.split(' ');
      if (variant === 'pattern') {
        say('   pattern (changelog + one transaction per batch):');
        say(
          `     killed in a transaction with ${changelogSent} changelog and ${outputSent} output records sent, not committed`,
        );
        say(`     restarted: restored ${entries} counts from ${records} changelog records (read_committed)`);
      } else {
        say('   naive (counts in memory, offsets committed after the output):');
        say(`     killed with ${outputSent} output records sent, their offsets not committed`);
        say('     restarted: nothing to restore, resumed after the committed offsets');
      }
      say(
        `     final counts over ${expected.size} windows: ${counted} of ${total} (${same ? 'equal to the recount' : `short by ${total - counted}`})`,
      );
    }
    say('\ndone');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
  }
});
