// The broker's own process as /proc shows it, for the demo, the tests and the bench (not part of the
// public API): its resident memory (what RabbitMQ's memory watermark is compared with on Linux) and the
// filesystem under its data directory (a confirm of a persistent message waits for a write there).
// Only a local node is found, by its AMQP port among this machine's processes.
import { readdirSync, readFileSync } from 'node:fs';

export interface BrokerProcess {
  readonly pid: number;
  /** Where the node keeps its messages (RABBITMQ_MNESIA_BASE). */
  readonly dataDir: string;
  /** The filesystem type under dataDir (tmpfs, ext4 ...), from /proc/mounts. */
  readonly filesystem: string;
  /** Resident memory of the Erlang VM now (VmRSS), in MiB. */
  rssMiB(): number;
}

/** The Erlang VM (beam.smp) of the local RabbitMQ node listening on `url`'s port, or undefined (Docker, remote). */
export function brokerProcess(url: string): BrokerProcess | undefined {
  const port = new URL(url).port;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let env: string[];
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!env.includes(`RABBITMQ_NODE_PORT=${port}`)) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('beam')) continue;
    } catch {
      continue; // gone, or not ours to read
    }
    const dataDir = env.find((e) => e.startsWith('RABBITMQ_MNESIA_BASE='))?.slice('RABBITMQ_MNESIA_BASE='.length) ?? '';
    const status = `/proc/${pid}/status`;
    return {
      pid: Number(pid),
      dataDir,
      filesystem: filesystemOf(dataDir),
      rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'))![1]) / 1024,
    };
  }
  return undefined;
}

/** The filesystem type that holds `path`: the longest mount point above it in /proc/mounts. */
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
