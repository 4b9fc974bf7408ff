// Throwaway server processes: a temporary directory per server, its own process group, ports reserved
// across processes, and cleanup on every way out (normal exit, test failure, Ctrl-C, SIGTERM). A kill
// is a crash of the whole server: every process of its tree is gone before kill() resolves. A process
// that dies without running its hooks (SIGKILL) leaves an owner file behind; the next start sweeps
// such leftovers (servers, directories, port reservations, SysV shared memory, epmd daemons).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import getPort from 'get-port';
import { ServiceUnavailableError } from '../../errors.ts';
import { listenersOn } from './sockets.ts';

/**
 * Where server data directories go: POC_HARNESS_RUN_DIR, else /dev/shm (RAM) when present, else the
 * temp directory. Measured here: a fresh PostgreSQL database costs 11-25 ms on tmpfs and 150-280 ms
 * (erratic) on the VM's disk. Servers are throwaway, and a killed process loses nothing more on tmpfs.
 */
function chooseRunRoot(): string {
  if (process.env.POC_HARNESS_RUN_DIR) return process.env.POC_HARNESS_RUN_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm/poc-harness';
  } catch {
    return join(tmpdir(), 'poc-harness');
  }
}
export const runRoot = chooseRunRoot();
const portsDir = join(runRoot, 'ports');

/** Prefix of the staging directories slow one-off steps (initdb, Kafka's storage format) use in tmpdir. */
export const STAGING_PREFIX = 'poc-harness-staging-';

/** Long-lived cache (initdb templates, downloaded jars): POC_HARNESS_HOME or ~/.cache/poc-harness. */
export const cacheHome = (): string =>
  process.env.POC_HARNESS_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'poc-harness');

/**
 * Something a server leaves outside its directory when it dies without shutting down, and how to find
 * it again: recorded in owner.json so a later sweep can clean up after a process that was SIGKILLed.
 */
export type Leftover =
  | { kind: 'sysv-shm'; pidFile: string } // PostgreSQL's segment, named in postmaster.pid
  | { kind: 'epmd'; port: number }; // an Erlang port mapper daemon started for one node

interface Owner {
  pid: number;
  serverPid?: number;
  ports?: number[];
  leftovers?: Leftover[];
}

interface Tracked {
  dir: string;
  child: ChildProcess | undefined;
  ports: number[];
  leftovers: Leftover[];
}
const live = new Set<Tracked>();
let hooksInstalled = false;
let swept = false;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie has exited: it holds no port, socket or memory, only a line in the process table.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Every descendant of `pid` (children, their children, ...), from /proc/<pid>/task/<tid>/children. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      let text = '';
      try {
        text = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const kid of text.split(' ').filter(Boolean).map(Number)) {
        if (!out.includes(kid)) {
          out.push(kid);
          walk(kid);
        }
      }
    }
  };
  walk(pid);
  return out;
}

const trySignal = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
};

/**
 * SIGKILLs a server's whole tree. Many servers' children leave the leader's process group (every
 * PostgreSQL backend calls setsid()), so a group kill is not enough: the leader is frozen first (no
 * new children), its tree is listed from /proc, and every member is killed. Returns the pids to wait for.
 */
function killTree(leader: number): number[] {
  trySignal(-leader, 'SIGSTOP');
  trySignal(leader, 'SIGSTOP');
  const pids = [leader, ...descendants(leader)];
  trySignal(-leader, 'SIGKILL');
  for (const pid of pids) trySignal(pid, 'SIGKILL');
  return pids;
}

/** Blocks (synchronously) until none of `pids` is alive, or the deadline. For exit handlers only. */
function waitGoneSync(pids: number[], timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some(isAlive) && Date.now() < deadline) Atomics.wait(nap, 0, 0, 10);
}

async function waitGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) {
      throw new ServiceUnavailableError(
        `processes ${pids.filter(isAlive).join(', ')} survived SIGKILL for ${timeoutMs} ms`,
      );
    }
    await sleep(5);
  }
}

/** Removes what a dead server left outside its directory. Never throws: one failure must not stop the rest. */
export function cleanLeftovers(leftovers: readonly Leftover[]): void {
  for (const l of leftovers) {
    try {
      if (l.kind === 'sysv-shm') removeSysvSegment(l.pidFile);
      else for (const pid of listenersOn(l.port)) trySignal(pid, 'SIGKILL');
    } catch {
      /* best effort: the next sweep tries again */
    }
  }
}

/**
 * PostgreSQL keeps a small SysV segment whose id is on line 7 of postmaster.pid ("key shmid"). A fast
 * shutdown removes it; a SIGKILL leaves it, and with kernel.shmmni at 4096 the machine eventually runs
 * out. Removed only once nothing is attached (nattch 0).
 */
function removeSysvSegment(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const shmid = readFileSync(pidFile, 'utf8').split('\n')[6]?.trim().split(/\s+/)[1];
  if (!shmid || !/^\d+$/.test(shmid)) return;
  const row = readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === shmid);
  if (row && row[6] === '0') spawnSync('ipcrm', ['-m', shmid]);
}

/** Gives reserved ports back. */
export function releasePorts(ports: readonly number[]): void {
  for (const port of ports) rmSync(join(portsDir, String(port)), { force: true });
}

/** Kills, cleans and removes one tracked server synchronously; each step runs even if another failed. */
function cleanupSync(t: Tracked): void {
  const steps = [
    () => {
      const pid = t.child?.pid;
      if (pid && t.child?.exitCode === null && t.child.signalCode === null) waitGoneSync(killTree(pid), 5_000);
    },
    () => cleanLeftovers(t.leftovers),
    () => releasePorts(t.ports),
    () => rmSync(t.dir, { recursive: true, force: true }),
  ];
  for (const step of steps) {
    try {
      step();
    } catch {
      /* keep going: a directory we cannot remove must not leave a later server running */
    }
  }
}

function cleanupAllSync(): void {
  for (const t of live) cleanupSync(t);
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      cleanupAllSync();
      // If nobody else handles the signal, behave as Node would have: die of it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

const readOwner = (dir: string): Owner => JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as Owner;

/**
 * Removes what harness processes that died without cleanup left: their servers (whole trees), server
 * directories, port reservations, SysV segments, epmd daemons, and staging directories of slow steps.
 */
export function sweepStale(options: { again?: boolean } = {}): void {
  if (swept && !options.again) return;
  swept = true;
  if (existsSync(runRoot)) {
    for (const name of readdirSync(runRoot)) {
      if (name === 'ports') continue;
      const dir = join(runRoot, name);
      let owner: Owner;
      try {
        owner = readOwner(dir);
      } catch {
        continue; // no owner file yet: a directory being created right now by a live process
      }
      if (isAlive(owner.pid)) continue;
      cleanupSync({ dir, child: undefined, ports: owner.ports ?? [], leftovers: owner.leftovers ?? [] });
      if (owner.serverPid && isAlive(owner.serverPid)) {
        waitGoneSync(killTree(owner.serverPid), 5_000);
        cleanLeftovers(owner.leftovers ?? []);
      }
    }
  }
  if (existsSync(portsDir)) {
    for (const port of readdirSync(portsDir)) {
      try {
        if (!isAlive(Number(readFileSync(join(portsDir, port), 'utf8')))) rmSync(join(portsDir, port), { force: true });
      } catch {
        /* released meanwhile */
      }
    }
  }
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${STAGING_PREFIX}(\\d+)-`).exec(name);
    if (m && !isAlive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** A staging directory for a slow one-off step, named after this process so a sweep can tell it is stale. */
export const stagingDir = (): string => mkdtempSync(join(tmpdir(), `${STAGING_PREFIX}${process.pid}-`));

/**
 * Reserves `count` free loopback ports for this process. get-port's own reservation only holds inside
 * one process; a lock file per port (O_EXCL, holding our pid) keeps harness processes running side by
 * side from picking the same port between choosing it and binding it.
 */
export async function reservePorts(
  count: number,
  pick: (exclude: number[]) => Promise<number> = (exclude) => getPort({ host: '127.0.0.1', exclude }),
): Promise<number[]> {
  mkdirSync(portsDir, { recursive: true });
  const ports: number[] = [];
  const refused: number[] = [];
  while (ports.length < count) {
    const port = await pick([...ports, ...refused]);
    const lock = join(portsDir, String(port));
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      ports.push(port);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        /* released meanwhile: try it again */
      }
      if (holder && !isAlive(holder)) rmSync(lock, { force: true });
      else refused.push(port);
    }
  }
  return ports;
}

/** A temporary directory for one server, removed when the server is disposed or the process exits. */
export class ServerDir {
  readonly path: string;
  private readonly tracked: Tracked;

  /** The signal that asks this server for a fast, clean shutdown. */
  readonly stopSignal: NodeJS.Signals;

  constructor(service: string, stopSignal: NodeJS.Signals = 'SIGTERM') {
    this.stopSignal = stopSignal;
    installHooks();
    sweepStale();
    mkdirSync(runRoot, { recursive: true, mode: 0o755 });
    this.path = mkdtempSync(join(runRoot, `${service}-`));
    this.tracked = { dir: this.path, child: undefined, ports: [], leftovers: [] };
    live.add(this.tracked);
    this.writeOwner();
  }

  private writeOwner(): void {
    const owner: Owner = {
      pid: process.pid,
      serverPid: this.tracked.child?.pid,
      ports: this.tracked.ports,
      leftovers: this.tracked.leftovers,
    };
    writeFileSync(join(this.path, 'owner.json'), JSON.stringify(owner));
  }

  /** Reserves ports for this server; they are released when it is disposed (or swept). */
  async reservePorts(count: number): Promise<number[]> {
    const ports = await reservePorts(count);
    this.tracked.ports.push(...ports);
    this.writeOwner();
    return ports;
  }

  /** Records something the server leaves outside this directory when it dies, to clean after every stop. */
  leaves(leftover: Leftover): void {
    this.tracked.leftovers.push(leftover);
    this.writeOwner();
  }

  /** Starts the server in its own process group with output to a log file in this directory. */
  spawn(
    command: string,
    args: string[],
    options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
  ): ChildProcess {
    const log = openSync(join(this.path, 'server.log'), 'a');
    const child = spawn(command, args, {
      cwd: this.path,
      detached: true,
      stdio: ['ignore', log, log],
      uid: options.uid,
      gid: options.gid,
      env: options.env ?? process.env,
    });
    closeSync(log);
    child.unref();
    this.tracked.child = child;
    this.writeOwner();
    return child;
  }

  get child(): ChildProcess | undefined {
    return this.tracked.child;
  }

  /** The ports reserved for this server (the first is the one clients use). */
  get ports(): readonly number[] {
    return this.tracked.ports;
  }

  get running(): boolean {
    const child = this.tracked.child;
    return Boolean(child && child.exitCode === null && child.signalCode === null);
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(join(this.path, 'server.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /**
   * Stops the server and resolves when every process of its tree is gone. SIGKILL is a crash of the whole
   * server (leader and every descendant, even those in other process groups); another signal asks the
   * leader to shut down and escalates to that crash after `timeoutMs`.
   */
  async signal(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
    const child = this.tracked.child;
    if (!child?.pid || !this.running) return;
    const leader = child.pid;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The child is unref'd (a server must not keep its harness alive); while we wait for its exit it must
    // keep this process alive, or a script with nothing else open ends in the middle of the wait.
    child.ref();
    try {
      await this.stopTree(leader, signal, exited, timeoutMs);
    } finally {
      child.unref();
    }
    cleanLeftovers(this.tracked.leftovers);
  }

  /**
   * Pauses (SIGSTOP) or resumes (SIGCONT) the whole server, every process of its tree: a frozen VM or a
   * long GC pause, with its sockets left open. Other nodes see it stop answering; it has not crashed.
   */
  pause(paused: boolean): void {
    const leader = this.tracked.child?.pid;
    if (!leader || !this.running) return;
    for (const pid of [leader, ...descendants(leader)]) trySignal(pid, paused ? 'SIGSTOP' : 'SIGCONT');
  }

  private async stopTree(
    leader: number,
    signal: NodeJS.Signals,
    exited: Promise<void>,
    timeoutMs: number,
  ): Promise<void> {
    if (signal === 'SIGKILL') {
      const pids = killTree(leader);
      await Promise.all([exited, waitGone(pids, 10_000)]);
    } else {
      const tree = [leader, ...descendants(leader)];
      for (const pid of tree) trySignal(pid, 'SIGCONT'); // a frozen server could not act on the signal
      try {
        process.kill(-leader, signal);
      } catch {
        trySignal(leader, signal);
      }
      // Escalate if a graceful stop hangs; the timer is cleared so it never holds the process open.
      const escalate = setTimeout(() => killTree(leader), timeoutMs);
      await exited;
      clearTimeout(escalate);
      // Stragglers outside the group (a backend still finishing) are killed, not waited on forever.
      const left = tree.filter(isAlive);
      for (const pid of left) trySignal(pid, 'SIGKILL');
      await waitGone(left, 10_000);
    }
  }

  async dispose(): Promise<void> {
    try {
      await this.signal(this.stopSignal, 5_000);
    } finally {
      live.delete(this.tracked);
      cleanupSync(this.tracked);
    }
  }
}

/**
 * Polls `probe` until it resolves, the process exits, or the deadline passes. Readiness is detected by
 * asking the server, never by sleeping a fixed time. The probe must check that the answer comes from
 * this server (its pid, data directory, ...): after a failed bind, another server may own the port.
 */
export async function waitUntilReady(
  dir: ServerDir,
  what: string,
  probe: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    const child = dir.child;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new ServerExitedError(
        `${what} exited during start-up (code ${child.exitCode ?? child.signalCode}). Last lines of its log:\n${dir.logTail()}`,
      );
    }
    try {
      await probe();
      return;
    } catch (e) {
      lastError = e;
    }
    await sleep(delay);
  }
  throw new ServiceUnavailableError(
    `${what} did not become ready within ${timeoutMs} ms (last probe error: ${String(lastError)}). Log:\n${dir.logTail()}`,
  );
}

/** The server process ended before it answered (a port taken by another process is the usual cause). */
export class ServerExitedError extends ServiceUnavailableError {}
