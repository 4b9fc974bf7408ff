// Behaviour against a real Kafka (POC_STANDARD.md §3): counts per key per window, read back from the
// changelog and output topics; late events within and after grace, driven by a ManualClock and
// explicit event timestamps (no real-time windows).
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { logLevel, type ITopicConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  isStreamProcessingError,
  processorTopics,
  readLatestByKey,
  stateId,
  windowedCount,
  type ProcessorTopics,
  type WindowResult,
  type WindowedCounter,
} from '../src/index.ts';
import {
  BY_HAND,
  POLL,
  FAST_GROUP,
  MINUTE,
  SECOND,
  T0,
  asMap,
  changelogState,
  createProcessorTopics,
  lateRecords,
  latestOutput,
  outputRecords,
  producerFor,
  recount,
  sendEvents,
  windows,
  type TestEvent,
} from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'stream_processing' });
});
afterAll(() => ns?.close());

const WINDOWS = windows();

function started(p: WindowedCounter): WindowedCounter {
  onTestFinished(() => p.stop());
  return p;
}

const committed = (p: WindowedCounter, events: number): Promise<unknown> =>
  eventually(() => p.status().events === events || p.status().failure, {
    timeoutMs: 30_000,
    what: `${events} events committed`,
  }).then(() => expect(p.status().failure).toBeUndefined());

/** Events of three keys spread over three minutes, in a fixed pseudo-random order. */
function spreadEvents(n: number): TestEvent[] {
  const keys = ['alice', 'bob', 'carol'];
  return Array.from({ length: n }, (_, i) => ({ key: keys[(i * 7) % 3]!, time: T0 + ((i * 7919) % (3 * MINUTE)) }));
}

describe('windowed counts', () => {
  it('counts events per key in tumbling and hopping windows, the same in its state, the changelog and the output', async () => {
    const topics = await createProcessorTopics(ns, 'counts');
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const producer = await producerFor(kafka);
    const clock = new ManualClock(T0); // every window of the events below is still open
    const p = started(
      windowedCount(kafka, {
        name: ns.groupId('counts'),
        ...topics,
        windows: WINDOWS,
        graceMs: MINUTE,
        clock,
        consumer: FAST_GROUP,
      }),
    );
    const restored = await p.start();
    expect(restored).toMatchObject({ records: 0, entries: 0 });

    const events = spreadEvents(90);
    for (let i = 0; i < events.length; i += 30) {
      await sendEvents(producer, topics.input, events.slice(i, i + 30));
      await committed(p, i + 30);
    }
    const expected = recount(events, BY_HAND);
    expect(expected.size).toBe(3 * 3 + 3 * 11); // 3 keys × (3 tumbling + 11 hopping windows over 3 minutes)
    expect(asMap(p.counts())).toEqual(expected);
    // A commit returns before its markers are written: what it wrote becomes visible to read_committed
    // readers a moment later, so reads of the topics poll until they match (or time out).
    await expect.poll(() => changelogState(kafka, topics.changelog), POLL).toEqual(expected);
    await expect.poll(async () => latestOutput(await outputRecords(kafka, topics.output)), POLL).toEqual(expected);
    const output = await outputRecords(kafka, topics.output);
    expect(output.every((r) => !r.correction)).toBe(true);
    expect(await lateRecords(kafka, topics.lateEvents)).toEqual([]);
    expect(p.status()).toMatchObject({ state: 'running', events: 90, late: 0 });
  });

  it('takes a late event within grace into its window and emits a correction; after grace it goes to the late-events topic', async () => {
    const topics = await createProcessorTopics(ns, 'grace', 1);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const producer = await producerFor(kafka);
    const clock = new ManualClock(T0 + 45 * SECOND);
    const p = started(
      windowedCount(kafka, {
        name: ns.groupId('grace'),
        ...topics,
        windows: WINDOWS,
        graceMs: 30 * SECOND,
        clock,
        consumer: FAST_GROUP,
      }),
    );
    await p.start();
    const tumbling = stateId('tumbling-1m', 'alice', T0); // [T0, T0+60 s): closes at T0+90 s
    const hopping0 = stateId('hopping-1m-20s', 'alice', T0); // [T0, T0+60 s)
    const hopping20 = stateId('hopping-1m-20s', 'alice', T0 + 20 * SECOND); // [T0+20 s, T0+80 s): closes at T0+110 s

    // On time (one at a time, so each is a batch and an output record of its own).
    await sendEvents(producer, topics.input, [{ key: 'alice', time: T0 + 10 * SECOND }]);
    await committed(p, 1);
    await sendEvents(producer, topics.input, [{ key: 'alice', time: T0 + 40 * SECOND }]);
    await committed(p, 2);

    // After the window's end (T0+60 s), within its grace (T0+90 s): counted, and emitted as a correction.
    await clock.advance(25 * SECOND); // now T0+70 s
    await sendEvents(producer, topics.input, [{ key: 'alice', time: T0 + 55 * SECOND }]);
    await committed(p, 3);

    // After the grace: not counted in the closed windows, sent to the late-events topic.
    await clock.advance(25 * SECOND); // now T0+95 s
    await sendEvents(producer, topics.input, [{ key: 'alice', time: T0 + 58 * SECOND }]);
    await committed(p, 4);

    const of = (output: WindowResult[], id: string) => output.filter((r) => stateId(r.window, r.key, r.start) === id);
    await expect.poll(async () => of(await outputRecords(kafka, topics.output), hopping20).length, POLL).toBe(3);
    const output = await outputRecords(kafka, topics.output);
    expect(of(output, tumbling).map((r) => [r.count, r.correction])).toEqual([
      [1, false], // emitted while the window was open
      [2, false],
      [3, true], // the late event within grace: a correction of the result above
    ]);
    expect(of(output, hopping20).map((r) => [r.count, r.correction])).toEqual([
      [1, false], // T0+40 s
      [2, false], // T0+55 s, at T0+70 s: the window [20 s, 80 s) had not ended
      [3, true], // T0+58 s, at T0+95 s: ended, within its grace (until T0+110 s)
    ]);
    expect(of(output, hopping0).map((r) => r.count)).toEqual([1, 2, 3]); // T0+58 s missed it: closed at T0+90 s

    await expect
      .poll(() => lateRecords(kafka, topics.lateEvents), POLL)
      .toEqual([
        {
          reason: 'late',
          key: 'alice',
          time: T0 + 58 * SECOND,
          partition: 0,
          offset: '3',
          now: T0 + 95 * SECOND,
          missed: [
            { window: 'tumbling-1m', start: T0, end: T0 + MINUTE },
            { window: 'hopping-1m-20s', start: T0, end: T0 + MINUTE },
          ],
        },
      ]);
    expect(p.status()).toMatchObject({ events: 4, late: 1 });

    // The closed windows left the state, and their changelog keys end in a tombstone (compaction removes them).
    const ids = new Set(p.counts().map((c) => stateId(c.window, c.key, c.start)));
    expect([ids.has(tumbling), ids.has(hopping0), ids.has(hopping20)]).toEqual([false, false, true]);
    const changelog = async () => {
      const { latest } = await readLatestByKey(kafka, topics.changelog, { groupPrefix: ns.groupId('check') });
      const value = (id: string) => latest.get(id)?.value;
      return [value(tumbling), value(hopping0), (JSON.parse(String(value(hopping20))) as { count: number }).count];
    };
    await expect.poll(changelog, POLL).toEqual([null, null, 3]);
  });

  it('reads event time from the payload when told to; events without a key or a time go to the late-events topic', async () => {
    const topics = await createProcessorTopics(ns, 'payload-time', 1);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const producer = await producerFor(kafka);
    const p = started(
      windowedCount(kafka, {
        name: ns.groupId('payload-time'),
        ...topics,
        windows: WINDOWS,
        graceMs: MINUTE,
        clock: new ManualClock(T0),
        consumer: FAST_GROUP,
        eventTime: (m) => (JSON.parse(String(m.value)) as { at: number }).at,
      }),
    );
    await p.start();
    await producer.send({
      topic: topics.input,
      messages: [
        // The message's own timestamp (an hour later) is not the event time here: the payload's `at` is.
        { key: 'alice', value: JSON.stringify({ at: T0 + 5 * SECOND }), timestamp: String(T0 + 60 * MINUTE) },
        { key: null, value: JSON.stringify({ at: T0 + 6 * SECOND }) },
        { key: 'bob', value: 'not json' },
      ],
    });
    await committed(p, 3);
    expect(asMap(p.counts())).toEqual(recount([{ key: 'alice', time: T0 + 5 * SECOND }], BY_HAND));
    const late = async () =>
      (await lateRecords(kafka, topics.lateEvents)).map((r) => [r.reason, r.key, r.time, r.offset]);
    await expect.poll(late, POLL).toEqual([
      ['no-key', null, T0 + 6 * SECOND, '1'],
      ['bad-time', 'bob', null, '2'],
    ]);
    expect(p.status().late).toBe(2);
  });
});

describe('restore and fencing', () => {
  it('a new instance with the same name restores the counts from the changelog and continues them', async () => {
    const topics = await createProcessorTopics(ns, 'restore');
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const producer = await producerFor(kafka);
    const options = {
      name: ns.groupId('restore'),
      ...topics,
      windows: WINDOWS,
      graceMs: MINUTE,
      clock: new ManualClock(T0),
      consumer: FAST_GROUP,
    };
    const events = spreadEvents(60);
    const first = started(windowedCount(kafka, options));
    await first.start();
    await sendEvents(producer, topics.input, events.slice(0, 30));
    await committed(first, 30);
    const before = first.counts();
    await first.stop();

    const second = started(windowedCount(kafka, options));
    const restored = await second.start();
    expect(restored.entries).toBe(before.length);
    expect(restored.records).toBeGreaterThanOrEqual(before.length); // every update, until compaction catches up
    expect(second.counts()).toEqual(before);
    await sendEvents(producer, topics.input, events.slice(30));
    await committed(second, 30); // only the new events: it resumed from the committed offsets
    expect(asMap(second.counts())).toEqual(recount(events, BY_HAND));
    await expect.poll(() => changelogState(kafka, topics.changelog), POLL).toEqual(recount(events, BY_HAND));
  });

  it('fences an older instance: its open transaction is aborted, and the batch is counted once, by the new instance', async () => {
    const topics = await createProcessorTopics(ns, 'fence', 1);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const producer = await producerFor(kafka);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled = false;
    const options = {
      name: ns.groupId('fence'),
      ...topics,
      windows: WINDOWS,
      graceMs: MINUTE,
      clock: new ManualClock(T0),
      consumer: FAST_GROUP,
    };
    const old = started(
      windowedCount(kafka, {
        ...options,
        hooks: {
          // The second batch waits inside its transaction, everything sent, until the test lets it commit.
          beforeCommit: async () => {
            if (old.status().commits === 0) return;
            stalled = true;
            await gate;
          },
        },
      }),
    );
    await old.start();
    const events = spreadEvents(20);
    await sendEvents(producer, topics.input, events.slice(0, 10));
    await committed(old, 10);
    await sendEvents(producer, topics.input, events.slice(10));
    await eventually(() => stalled, { timeoutMs: 30_000, what: 'the old instance inside its second transaction' });

    const successor = started(windowedCount(kafka, options));
    const starting = successor.start();
    // Its start fenced the old instance and read the changelog: the old open transaction is not in it.
    await eventually(() => successor.status().restored, { timeoutMs: 30_000, what: 'the successor restored' });
    expect(successor.status().restored!.entries).toBe(recount(events.slice(0, 10), BY_HAND).size);
    release(); // the old instance tries to commit
    await expect(old.stopped).rejects.toSatisfy((e: unknown) => isStreamProcessingError(e, 'fenced'));
    expect(old.status().state).toBe('failed');
    expect(old.status().commits).toBe(1);

    await starting; // it joins once the old instance has left the group
    await committed(successor, 10); // the fenced batch, again
    expect(asMap(successor.counts())).toEqual(recount(events, BY_HAND));
    await expect.poll(() => changelogState(kafka, topics.changelog), POLL).toEqual(recount(events, BY_HAND));
    await expect
      .poll(async () => latestOutput(await outputRecords(kafka, topics.output)), POLL)
      .toEqual(recount(events, BY_HAND));
  });
});

describe('topics checked before anything is consumed', () => {
  const cases: Array<[string, (t: ProcessorTopics) => ITopicConfig[], (t: ProcessorTopics) => string]> = [
    [
      'the changelog is not compacted',
      (t) => processorTopics(t, 1).map((c) => (c.topic === t.changelog ? { topic: c.topic, numPartitions: 1 } : c)),
      (t) => `changelog "${t.changelog}" must have cleanup.policy=compact (got "delete")`,
    ],
    [
      'the changelog has fewer partitions than the input',
      (t) => processorTopics(t, 2).map((c) => (c.topic === t.changelog ? { ...c, numPartitions: 1 } : c)),
      (t) => `changelog "${t.changelog}" must have as many partitions as input "${t.input}" (2, got 1)`,
    ],
    [
      'the output topic is missing',
      (t) => processorTopics(t, 1).filter((c) => c.topic !== t.output),
      (t) => `topic "${t.output}" (options.output) does not exist`,
    ],
  ];
  it.each(cases)('refuses to start when %s', async (what, create, message) => {
    const base = `topology-${what.split(' ').slice(-2).join('-')}`;
    const topics = {
      input: ns.topic(`${base}.input`),
      output: ns.topic(`${base}.output`),
      changelog: ns.topic(`${base}.changelog`),
      lateEvents: ns.topic(`${base}.late`),
    };
    await ns.createTopics(create(topics));
    const p = started(
      windowedCount(ns.kafka({ logLevel: logLevel.NOTHING }), {
        name: ns.groupId(base),
        ...topics,
        windows: WINDOWS,
        graceMs: 0,
      }),
    );
    const err = await p.start().catch((e: unknown) => e);
    expect(isStreamProcessingError(err, 'topology')).toBe(true);
    expect((err as Error).message).toBe(message(topics));
    expect(p.status().state).toBe('failed');
  });
});

describe('lifecycle', () => {
  it('an abort during start() cancels it: the start rejects with the reason and the processor is stopped', async () => {
    const topics = await createProcessorTopics(ns, 'abort', 1);
    const p = started(
      windowedCount(ns.kafka({ logLevel: logLevel.NOTHING }), {
        name: ns.groupId('abort'),
        ...topics,
        windows: WINDOWS,
        graceMs: 0,
      }),
    );
    const controller = new AbortController();
    const starting = p.start(controller.signal); // runs until its first call to Kafka
    controller.abort(new Error('shutting down'));
    await expect(starting).rejects.toThrow('shutting down');
    expect(p.status().state).toBe('stopped');
    await expect(p.stopped).resolves.toBeUndefined();
    await expect(p.start()).rejects.toThrow('start() can be called once (the processor is stopped)');
  });
});
