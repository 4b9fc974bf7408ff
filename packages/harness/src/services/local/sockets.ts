// What a process listens on, read from /proc (Linux): the loopback test and the epmd cleanup use it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  /** "127.0.0.1", "0.0.0.0", "::1", "::", ... */
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

function ipv4(hex: string): string {
  // /proc/net/tcp prints the address as one little-endian 32-bit word.
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  return bytes.reverse().join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  const groups = words
    .join('')
    .match(/.{4}/g)!
    .map((g) => parseInt(g, 16).toString(16));
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return text.replace(/^::ffff:0*([0-9a-f]{1,4}):0*([0-9a-f]{1,4})$/, (_, a: string, b: string) => {
    const n = (parseInt(a, 16) << 16) | parseInt(b, 16);
    return `::ffff:${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}`;
  });
}

/** Every TCP socket in LISTEN state on this machine (this network namespace). */
export function listeningSockets(): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A') continue; // LISTEN
      const [addr, port] = f[1]!.split(':') as [string, string];
      out.push({ address: decode(addr), port: parseInt(port, 16), inode: Number(f[9]) });
    }
  }
  return out;
}

/** Socket inodes a process holds open. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      /* closed meanwhile */
    }
  }
  return inodes;
}

/** The listening sockets held by any of `pids`. */
export function listeningSocketsOf(pids: readonly number[]): ListeningSocket[] {
  const held = new Set(pids.flatMap((p) => [...socketInodes(p)]));
  return listeningSockets().filter((s) => held.has(s.inode));
}

/** Processes (pids) that hold a socket listening on `port`. */
export function listenersOn(port: number): number[] {
  const inodes = new Set(
    listeningSockets()
      .filter((s) => s.port === port)
      .map((s) => s.inode),
  );
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    for (const inode of socketInodes(pid)) {
      if (inodes.has(inode)) {
        pids.push(pid);
        break;
      }
    }
  }
  return pids;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export const isLoopback = (address: string): boolean =>
  /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
