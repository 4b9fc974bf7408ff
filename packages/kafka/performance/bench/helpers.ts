// What the bench needs beside its comparisons: a load driver with a window of unacknowledged messages,
// and each broker's durability settings as it reports them (stated in the result's parameters).
import { existsSync, readFileSync } from 'node:fs';
import type { RoundSample } from '@poc/harness';
import type { Admin, ConfigResourceTypes, Message } from 'kafkajs';
import type { BatchingProducer } from '../src/index.ts';

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

/** A broker's durability settings as it reports them, and the filesystem of its log directory. */
export async function brokerDurability(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: 4 as ConfigResourceTypes, // BROKER: the CommonJS export is not visible to an ES import
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
    `${brokers.length} broker(s); log.dirs ${where}; log.flush.interval.messages=${value('log.flush.interval.messages')}, ` +
    `log.flush.interval.ms=${value('log.flush.interval.ms')} (no fsync per write: the page cache)`
  );
}

/**
 * Sends `n` records keeping at most `window` unacknowledged (callers that each await their send, or the
 * whole load offered at once); each acknowledged message's send → ack time goes into `latencies`.
 */
export async function drive(
  p: BatchingProducer,
  messages: readonly Message[],
  n: number,
  window: number,
  latencies?: number[],
): Promise<RoundSample> {
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(window, n) }, async () => {
      while (next < n) {
        const i = next++;
        const start = performance.now();
        try {
          await p.send(messages[i % messages.length]!);
          latencies?.push(performance.now() - start);
        } catch (e) {
          if (errors++ === 0)
            console.error(`  first failed send of the sample: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }),
  );
  return { ops: n - errors, seconds: (performance.now() - t0) / 1_000, errors };
}
