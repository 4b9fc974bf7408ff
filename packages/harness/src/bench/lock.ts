// One bench at a time per repository: a lock file holding the holder's pid (and its start time, since
// pids are reused), taken with O_EXCL, stale once that process is gone. Benches that find it taken
// queue: each writes a ticket, and only the oldest live ticket may take the lock when it is free, so
// benches run in the order they arrived. Nothing here fails because another bench runs: it waits.
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processStart } from './procfs.ts';

/** Who holds (or waits for) the lock. */
export interface LockHolder {
  pid: number;
  /** The process's start time (see procfs.ts), so a reused pid is not taken for the holder. */
  pidStart: string | null;
  package: string;
  /** The `turbo run bench` session the bench belongs to, if any. */
  session: string | null;
  /** ISO time the lock was taken (or the ticket written). */
  since: string;
}

/** Set in the holder's environment: its child processes (workers a bench spawns) do not queue behind it. */
export const HOLDER_ENV = 'POC_BENCH_LOCK_HOLDER';

/** The repository's bench directory: lock, queue and sessions. POC_BENCH_LOCK_DIR overrides it. */
export function benchStateDir(root: string): string {
  return process.env.POC_BENCH_LOCK_DIR || join(root, 'node_modules', '.cache', 'poc-bench');
}

const lockFile = (dir: string): string => join(dir, 'lock');
let ticketSeq = 0;
const queueDir = (dir: string): string => join(dir, 'queue');

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The current holder if it is alive; a lock file whose process is gone reads as free. */
export function currentHolder(dir: string): LockHolder | undefined {
  const h = readJson<LockHolder>(lockFile(dir));
  return h && isAlive(h.pid, h.pidStart) ? h : undefined;
}

/** Live tickets, oldest first; tickets of dead processes are removed on the way. */
export function queued(dir: string): Array<LockHolder & { ticket: string }> {
  let names: string[];
  try {
    names = readdirSync(queueDir(dir))
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  const out: Array<LockHolder & { ticket: string }> = [];
  for (const name of names) {
    const file = join(queueDir(dir), name);
    const t = readJson<LockHolder>(file);
    if (t && isAlive(t.pid, t.pidStart)) out.push({ ...t, ticket: file });
    else if (t || ageMs(file) > 5_000) rmSync(file, { force: true }); // a half-written ticket gets 5 s
  }
  return out;
}

const ageMs = (file: string): number => {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

/** Creates `file` with `content` if it does not exist; false if it does. */
function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a lock file whose holder is dead. Only one process breaks at a time (a `lock.break` file of
 * its own, itself reclaimed when its process is gone), and it re-reads the lock under it: no live
 * holder's lock can be removed by mistake.
 */
function breakStale(dir: string): void {
  const breaker = join(dir, 'lock.break');
  const me = JSON.stringify({ pid: process.pid, pidStart: processStart(process.pid) });
  if (!createExclusive(breaker, me)) {
    const other = readJson<{ pid: number; pidStart: string | null }>(breaker);
    if ((other && !isAlive(other.pid, other.pidStart)) || (!other && ageMs(breaker) > 5_000)) {
      rmSync(breaker, { force: true });
    }
    return;
  }
  try {
    const h = readJson<LockHolder>(lockFile(dir));
    if (h ? !isAlive(h.pid, h.pidStart) : ageMs(lockFile(dir)) > 5_000) rmSync(lockFile(dir), { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

export interface BenchLock {
  readonly holder: LockHolder;
  /** Time spent queued. */
  readonly waitedMs: number;
  /** Removes the lock file if it is still ours. Synchronous: safe in an 'exit' handler. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  dir: string;
  package: string;
  session?: string | null;
  /** Called when the lock is found taken, and again whenever its holder changes. */
  onWait?: (holder: LockHolder, ahead: number) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Waits for the repository's bench lock (in arrival order) and takes it. */
export async function acquireBenchLock(options: AcquireOptions): Promise<BenchLock> {
  const { dir, pollMs = 200 } = options;
  mkdirSync(queueDir(dir), { recursive: true });
  const t0 = Date.now();
  const me: LockHolder = {
    pid: process.pid,
    pidStart: processStart(process.pid),
    package: options.package,
    session: options.session ?? null,
    since: new Date().toISOString(),
  };
  const ticket = join(
    queueDir(dir),
    `${String(Date.now()).padStart(15, '0')}-${String(process.pid).padStart(8, '0')}-${ticketSeq++}.json`,
  );
  const tmp = `${ticket}.tmp`;
  writeFileSync(tmp, JSON.stringify(me));
  renameSync(tmp, ticket);
  let lastHolder: number | undefined;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const line = queued(dir);
      const first = line[0];
      const mine = line.findIndex((t) => t.ticket === ticket);
      if (mine === -1) {
        // Someone removed our ticket (it looked half-written): write it again, keeping our place by name.
        writeFileSync(ticket, JSON.stringify(me));
        continue;
      }
      if (first?.ticket === ticket) {
        const taken: LockHolder = { ...me, since: new Date().toISOString() };
        if (createExclusive(lockFile(dir), JSON.stringify(taken))) {
          rmSync(ticket, { force: true });
          let released = false;
          return {
            holder: taken,
            waitedMs: Date.now() - t0,
            release() {
              if (released) return;
              released = true;
              const h = readJson<LockHolder>(lockFile(dir));
              if (h?.pid === process.pid) rmSync(lockFile(dir), { force: true });
            },
          };
        }
        const h = readJson<LockHolder>(lockFile(dir));
        if (!h || !isAlive(h.pid, h.pidStart)) breakStale(dir); // then try again after the pause
      }
      const holder = currentHolder(dir);
      if (holder && holder.pid !== lastHolder && holder.pid !== process.pid) {
        lastHolder = holder.pid;
        options.onWait?.(holder, Math.max(0, mine));
      }
      await sleep(pollMs);
    }
  } catch (e) {
    rmSync(ticket, { force: true });
    throw e;
  }
}
