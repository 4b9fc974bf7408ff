// What the tests read back from the brokers (every record with the record batch it is stored in), and
// the one thing the harness does not offer for a cluster node: freezing it (SIGSTOP) like a long GC pause.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { eventually } from '@poc/harness';
import type { Kafka } from 'kafkajs';

export interface StoredRecord {
  partition: number;
  offset: number;
  /** The first offset of the record batch the broker stored it in: one batch per produce of a partition. */
  batch: string;
  value: string;
}

/**
 * Every record of `topic` as the brokers store it, read from the beginning up to the log end offsets of
 * now, with the record batch each sits in (KafkaJS's decoder keeps the batch's first offset on each record).
 */
export async function readTopic(kafka: Kafka, topic: string, groupId: string): Promise<StoredRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
    // A broker that just started answers group requests only once its group coordinator is loaded; a
    // join before that makes KafkaJS back off for longer than the wait below.
    await eventually(() => admin.describeGroups([groupId]).then(() => true), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the group coordinator',
    });
  } finally {
    await admin.disconnect();
  }
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const records: StoredRecord[] = [];
  if (total === 0) return records;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const context = (message as { batchContext?: { firstOffset: string } }).batchContext;
        records.push({
          partition,
          offset: Number(message.offset),
          batch: `${partition}@${context?.firstOffset ?? '?'}`,
          value: String(message.value),
        });
      },
    });
    await eventually(() => records.length >= total, { timeoutMs: 60_000, what: `${total} records of ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Record batch sizes in log order: [100, 100, ...] for ten batches of a hundred. */
export function batchSizes(records: readonly StoredRecord[]): number[] {
  const sizes = new Map<string, number>();
  for (const r of records) sizes.set(r.batch, (sizes.get(r.batch) ?? 0) + 1);
  return [...sizes.values()];
}

/**
 * The pid of the process listening on `port` (a local cluster node's JVM): the socket's inode from
 * /proc/net/tcp, then the process holding it. Needs /proc and the right to read other processes' fds
 * (the same user, or root).
 */
export function pidListeningOn(port: number): number {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; field 9 is the inode.
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        /* the fd closed meanwhile */
      }
    }
  }
  throw new Error(`no process listens on port ${port}`);
}
