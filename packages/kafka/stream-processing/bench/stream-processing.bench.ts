// pnpm --filter poc-kafka-stream-processing bench: this POC's own claim (the roadmap gives none for #50),
// two questions side by side in one process, written to bench/results.json (never edited by hand):
//
// 1. The cost of fault tolerance: events/s of the processor with its changelog and one Kafka transaction
//    per batch, against the naive version (counts in memory, output and offset commits only). A sample:
//      (untimed) fresh topics and a fresh processor, started (restored, joined), waiting on an empty input;
//      (untimed) N events sent to the input inside ONE open transaction of a gate producer: read_committed
//                consumers (both versions) see none of them yet;
//      (timed)   commit the gate transaction → the processor's commit that completes the N events.
//    Same events, windows, partitions, consumer settings and clock on both sides; rounds interleaved and
//    rotated by the harness (compareRounds).
// 2. Restore time against changelog size: a changelog pre-filled with R distinct counts (transactions of
//    5 000 records, as the processor writes them); a sample is a fresh processor's restore (read the
//    changelog to its end, read_committed, and rebuild the state), as it reports it (RestoreSummary.ms).
import { existsSync, readFileSync } from 'node:fs';
import { benchProfile, benchReport, compareRounds, kafkaNamespace, summarize, type RoundSample } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { logLevel, type Admin, type ConfigResourceTypes, type Kafka, type Producer } from 'kafkajs';
import {
  hoppingWindow,
  processorTopics,
  stateId,
  tumblingWindow,
  windowedCount,
  type ProcessorTopics,
  type WindowedCountOptions,
  type WindowedCounter,
} from '../src/index.ts';
import { naiveWindowedCount } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const PARTITIONS = 4;
const EVENTS = SHORT ? 2_000 : 20_000;
const KEYS = 1_000;
const SPREAD_MINUTES = 10;
const ROUNDS = 6; // 6 rounds: a ratio's interval reaches 95%+ (the harness caps it at 3 in the short profile)
const RESTORE_SIZES = SHORT ? [1_000, 10_000] : [10_000, 100_000];
const RESTORE_TXN = 5_000;
const MAX_WAIT_MS = 100; // how long an idle fetch waits: bounds the wake-up after the gate commits
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR; // recent event times: old ones fall to retention
const windows = () => [tumblingWindow(MINUTE, 'tumbling-1m'), hoppingWindow(MINUTE, 20 * SECOND, 'hopping-1m-20s')];

/** The filesystem type (tmpfs, ext4 ...) that holds `path`, from /proc/mounts. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const under = path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    if (under && mount.length >= best.mount.length) best = { mount, type };
  }
  return best.type;
}

/** The broker's durability settings as it reports them, and where its log lives. */
async function brokerDurability(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: 4 as ConfigResourceTypes, // BROKER (the CommonJS enum is not visible to an ES import)
        name: String(brokers[0]!.nodeId),
        configNames: ['log.dirs', 'log.flush.interval.messages', 'transaction.state.log.replication.factor'],
      },
    ],
  });
  const value = (name: string): string =>
    resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 'unset';
  const dirs = value('log.dirs');
  const where = existsSync(dirs) ? `on ${filesystemOf(dirs)}` : 'not on this host (not inspected)';
  return (
    `${brokers.length} broker, replication factor 1 (topics and transaction log), acks -1; log.dirs ${where}; ` +
    `log.flush.interval.messages=${value('log.flush.interval.messages')} (no fsync per write: the page cache)`
  );
}

/** N events of KEYS keys spread over SPREAD_MINUTES, in a fixed order. */
const events = Array.from({ length: EVENTS }, (_, i) => ({
  key: `user-${(i * 7919) % KEYS}`,
  time: T0 + ((i * 104_729) % (SPREAD_MINUTES * MINUTE)),
}));

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'stream_processing_bench' }); // topics and group ids of its own
  const kafka: Kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const gate: Producer = kafka.producer({
    transactionalId: ns.groupId('gate'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const running: WindowedCounter[] = [];
  let sample = 0;
  const written = { pattern: { events: 0, changelog: 0, output: 0 } };
  try {
    await Promise.all([admin.connect(), gate.connect()]);
    const topicsFor = async (base: string): Promise<ProcessorTopics> => {
      const topics = {
        input: ns.topic(`${base}.in`),
        output: ns.topic(`${base}.out`),
        changelog: ns.topic(`${base}.changelog`),
        lateEvents: ns.topic(`${base}.late`),
      };
      await ns.createTopics(processorTopics(topics, PARTITIONS));
      return topics;
    };
    const optionsFor = (base: string, topics: ProcessorTopics): WindowedCountOptions => ({
      name: ns.groupId(base),
      ...topics,
      windows: windows(),
      graceMs: HOUR,
      clock: new ManualClock(T0), // fixed: no window closes and nothing is late, on both sides
      consumer: { maxWaitTimeInMs: MAX_WAIT_MS },
    });

    /** One timed sample of a version: see the header. */
    async function throughput(variant: 'pattern' | 'naive'): Promise<RoundSample> {
      const base = `${variant}-${++sample}`;
      const topics = await topicsFor(base);
      let done = 0;
      let finish!: (t: number) => void;
      const finished = new Promise<number>((resolve) => (finish = resolve));
      const options: WindowedCountOptions = {
        ...optionsFor(base, topics),
        hooks: {
          afterCommit: (info) => {
            done += info.events;
            if (variant === 'pattern') {
              written.pattern.events += info.events;
              written.pattern.changelog += info.changelogRecords;
              written.pattern.output += info.outputRecords;
            }
            if (done === EVENTS) finish(performance.now());
          },
        },
      };
      const processor = (variant === 'pattern' ? windowedCount : naiveWindowedCount)(kafka, options);
      running.push(processor);
      await processor.start();
      const txn = await gate.transaction();
      for (let i = 0; i < EVENTS; i += 5_000)
        await txn.send({
          topic: topics.input,
          messages: events
            .slice(i, i + 5_000)
            .map((e) => ({ key: e.key, value: `${e.key} clicked`, timestamp: String(e.time) })),
        });
      const t0 = performance.now();
      await txn.commit();
      // A processor that fails rejects `stopped` and ends the bench; one that stops cleanly never ends the race.
      const t1 = await Promise.race([finished, processor.stopped.then(() => new Promise<never>(() => {}))]);
      await processor.stop();
      return { ops: EVENTS, seconds: (t1 - t0) / 1_000 };
    }

    /** A changelog of `records` distinct counts, written in committed transactions as the processor would. */
    async function prefilledChangelog(records: number): Promise<ProcessorTopics> {
      const topics = await topicsFor(`restore-${records}`);
      const producer = kafka.producer({
        transactionalId: ns.groupId(`fill-${records}`),
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      try {
        for (let i = 0; i < records; i += RESTORE_TXN) {
          const txn = await producer.transaction();
          const messages = Array.from({ length: Math.min(RESTORE_TXN, records - i) }, (_, j) => {
            const n = i + j;
            const count = { window: 'tumbling-1m', key: `user-${n}`, start: T0, end: T0 + MINUTE, count: 1 + (n % 7) };
            return {
              key: stateId(count.window, count.key, count.start),
              value: JSON.stringify(count),
              partition: n % PARTITIONS,
            };
          });
          await txn.send({ topic: topics.changelog, messages });
          await txn.commit();
        }
      } finally {
        await producer.disconnect();
      }
      return topics;
    }

    const report = benchReport({
      parameters: {
        events: EVENTS,
        keys: KEYS,
        eventTimes: `spread over ${SPREAD_MINUTES} minutes`,
        windows: 'tumbling 1 min + hopping 1 min every 20 s (4 counts per event)',
        partitions: PARTITIONS,
        rounds: ROUNDS,
        maxWaitTimeInMs: MAX_WAIT_MS,
        pattern: 'changelog (compacted) + output + offsets in one Kafka transaction per fetched batch',
        naive: 'counts in memory; output (acks -1, idempotent producer), then the offsets committed',
        timed: 'gate transaction commit -> the commit that completes the N events (start, restore, join excluded)',
        restoreSizes: RESTORE_SIZES.join(', '),
        restoreTransactions: `${RESTORE_TXN} records each`,
        durability: await brokerDurability(admin),
      },
      services: ['kafka'],
    });

    // Warm-up: one untimed sample of each version.
    await throughput('naive');
    await throughput('pattern');
    written.pattern = { events: 0, changelog: 0, output: 0 };
    report.add(
      await compareRounds({
        id: 'throughput',
        title: `Events/s counting ${EVENTS} events into tumbling + hopping windows on ${PARTITIONS} partitions`,
        variants: { naive: () => throughput('naive'), changelog: () => throughput('pattern') },
        rounds: ROUNDS,
        unit: 'events/s',
      }),
    );
    report.add({
      id: 'changelog-per-event',
      title: 'Changelog records written per input event (counts coalesced per batch)',
      value: Number((written.pattern.changelog / written.pattern.events).toFixed(3)),
    });

    const restoreMs = new Map<number, number[]>(RESTORE_SIZES.map((r) => [r, []]));
    const restoreTopics = new Map<number, ProcessorTopics>();
    for (const records of RESTORE_SIZES) restoreTopics.set(records, await prefilledChangelog(records));
    const restore = async (records: number): Promise<RoundSample> => {
      const base = `restore-${records}-${++sample}`;
      const processor = windowedCount(kafka, optionsFor(base, restoreTopics.get(records)!));
      running.push(processor);
      const restored = await processor.start();
      await processor.stop();
      if (restored.entries !== records) throw new Error(`restored ${restored.entries} of ${records} counts`);
      restoreMs.get(records)!.push(restored.ms);
      return { ops: restored.records, seconds: restored.ms / 1_000 };
    };
    for (const records of RESTORE_SIZES) await restore(records); // warm-up
    for (const r of RESTORE_SIZES) restoreMs.set(r, []);
    report.add(
      await compareRounds({
        id: 'restore',
        title: 'Changelog records restored per second, by changelog size',
        variants: Object.fromEntries(RESTORE_SIZES.map((r) => [`${r} records`, () => restore(r)])),
        rounds: ROUNDS,
        unit: 'records/s',
      }),
    );
    for (const [records, ms] of restoreMs)
      report.add({
        id: `restore-${records}`,
        title: `Restore of a ${records}-record changelog`,
        unit: 'ms',
        summary: summarize(ms),
      });

    const [small, large] = RESTORE_SIZES;
    await report.finish(
      "This POC's own claim (the roadmap states none for #50): fault tolerance (a compacted changelog and one Kafka " +
        'transaction per batch) vs counts in memory, throughput = {ratio:throughput/changelog}; ' +
        `a restore takes {measure:restore-${small}} for ${small} changelog records and {measure:restore-${large}} for ${large} ` +
        `({ops:restore/${large} records} records/s; the larger changelog restores at {ratio:restore/${large} records} the rate of the smaller).`,
    );
  } finally {
    for (const p of running) await p.stop().catch(() => undefined);
    await gate.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ns.close();
  }
});
