// Throwaway server processes: a temporary directory per server, its own process group, and cleanup
// on every way out (normal exit, test failure, Ctrl-C, SIGTERM). A process that dies without running
// its hooks (SIGKILL) leaves an owner file behind; the next start sweeps such leftovers.
import { spawn, type ChildProcess } from 'node:child_process';
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
import { ServiceUnavailableError } from '../../errors.ts';

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
const runRoot = chooseRunRoot();

/** Long-lived cache (initdb templates, downloaded jars): POC_HARNESS_HOME or ~/.cache/poc-harness. */
export const cacheHome = (): string =>
  process.env.POC_HARNESS_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'poc-harness');

interface Tracked {
  dir: string;
  child: ChildProcess | undefined;
}
const live = new Set<Tracked>();
let hooksInstalled = false;
let swept = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: postgres backends die with the postmaster
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function cleanupAllSync(): void {
  for (const t of live) {
    killGroup(t.child, 'SIGKILL');
    rmSync(t.dir, { recursive: true, force: true });
  }
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

/** Removes directories (and kills servers) left by harness processes that died without cleanup. */
function sweepStale(): void {
  if (swept) return;
  swept = true;
  if (!existsSync(runRoot)) return;
  for (const name of readdirSync(runRoot)) {
    const dir = join(runRoot, name);
    try {
      const owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number; serverPid?: number };
      if (isAlive(owner.pid)) continue;
      if (owner.serverPid && isAlive(owner.serverPid)) {
        try {
          process.kill(-owner.serverPid, 'SIGKILL');
        } catch {
          /* not a group leader any more */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // No owner file yet: a directory being created right now by a live process. Leave it.
    }
  }
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
    this.tracked = { dir: this.path, child: undefined };
    live.add(this.tracked);
    this.writeOwner();
  }

  private writeOwner(serverPid?: number): void {
    writeFileSync(join(this.path, 'owner.json'), JSON.stringify({ pid: process.pid, serverPid }));
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
    if (child.pid) this.writeOwner(child.pid);
    return child;
  }

  get child(): ChildProcess | undefined {
    return this.tracked.child;
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(join(this.path, 'server.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Sends a signal to the server's process group and waits until the leader has exited. */
  async signal(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
    const child = this.tracked.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, signal);
    // Escalate to SIGKILL if a graceful stop hangs; the timer is cleared so it never holds the process open.
    const escalate = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(escalate);
  }

  async dispose(): Promise<void> {
    await this.signal(this.stopSignal, 5_000);
    live.delete(this.tracked);
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * Polls `probe` until it resolves, the process exits, or the deadline passes. Readiness is detected by
 * asking the server, never by sleeping a fixed time.
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
      throw new ServiceUnavailableError(
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
