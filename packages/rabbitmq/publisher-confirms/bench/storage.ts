// Where the benched broker keeps its messages, and on what filesystem: a confirm of a persistent message
// waits for a disk write, so tmpfs and a real disk give very different figures. A local node (started by
// the harness or not) is found by its AMQP port among this machine's processes; a broker in Docker or
// elsewhere is not inspected.
import { readdirSync, readFileSync } from 'node:fs';

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

/** "<data dir> on <filesystem>" for the local node listening on `url`'s port, or why it was not inspected. */
export function brokerStorage(url: string, provider: string): string {
  const port = new URL(url).port;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let env: string[];
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!env.includes(`RABBITMQ_NODE_PORT=${port}`)) continue;
    const base = env.find((e) => e.startsWith('RABBITMQ_MNESIA_BASE='))?.slice('RABBITMQ_MNESIA_BASE='.length);
    if (base) return `${base} on ${filesystemOf(base)}`;
  }
  return `not inspected (${provider} broker)`;
}
