// A bench session: the benches of one `turbo run bench` (or one `pnpm bench`). Found from the process
// tree (the nearest `turbo run` above this process) or named by POC_BENCH_SESSION. Its state lives in
// <bench dir>/sessions/<id>/:
//
//   session.json  the plan (which benches turbo will run, from its dry run), and each bench's start,
//                 end and exit code. Written only by the bench holding the lock.
//   want.json     the services the holder wants running, with a sequence number.
//   keeper.json   what the keeper runs (URLs), the last sequence it applied, or its error.
//   keeper.log    the keeper's output.
//
// The keeper (src/cli/bench-keeper.ts) is a small detached process that starts the session's shared
// servers on request and stops them when turbo exits or the session has been idle for a while, so
// the benches of one run attach to the same servers instead of each starting its own.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { commandLine, isAlive, parentPid, processStart, workingDirectory, writesToTerminal } from './procfs.ts';

export interface TurboProcess {
  pid: number;
  start: string | null;
  argv: string[];
  cwd: string;
}

/** The nearest `turbo run ...` among this process's ancestors (Linux /proc), if any. */
export function findTurboAncestor(from = process.pid): TurboProcess | undefined {
  for (let pid = parentPid(from), depth = 0; pid && pid > 1 && depth < 32; pid = parentPid(pid), depth++) {
    const argv = commandLine(pid);
    if (!argv) return undefined;
    const at = argv.findIndex((a, i) => basename(a) === 'turbo' && argv[i + 1] === 'run');
    if (at === -1) continue;
    const cwd = workingDirectory(pid);
    if (!cwd) return undefined;
    return { pid, start: processStart(pid), argv, cwd };
  }
  return undefined;
}

export interface PlannedBench {
  package: string;
  /** Relative to the workspace root, forward slashes. */
  dir: string;
}

/** Which benches the turbo run will execute: the same command with --dry=json. Undefined if that fails. */
export function planOf(turbo: TurboProcess): PlannedBench[] | undefined {
  const args = turbo.argv
    .slice(1)
    .filter((a) => !/^--(dry|dry-run|summarize|graph)(=|$)/.test(a))
    .concat('--dry=json');
  const dry = spawnSync(turbo.argv[0]!, args, {
    cwd: turbo.cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  if (dry.status !== 0) return undefined;
  try {
    const tasks = (
      JSON.parse(dry.stdout) as { tasks: Array<{ task: string; package: string; directory: string; command: string }> }
    ).tasks;
    return tasks
      .filter((t) => t.task === 'bench' && t.command && t.command !== '<NONEXISTENT>')
      .map((t) => ({ package: t.package, dir: t.directory.split('\\').join('/') }));
  } catch {
    return undefined;
  }
}

export interface BenchEntry {
  package: string;
  dir: string;
  pid: number;
  index: number;
  /** When it took the lock. */
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  /** Whether it wrote its result file. */
  resultWritten?: boolean;
}

export interface SessionState {
  id: string;
  createdAt: string;
  /** The process whose life is the session's: turbo (or the `pnpm bench` wrapper). */
  owner: { pid: number; start: string | null } | null;
  /** Whether the owner writes to a terminal: progress ticks are shown only then. */
  interactive: boolean;
  plan: PlannedBench[] | null;
  benches: BenchEntry[];
}

export interface SharedServer {
  url: string;
  envVar: string;
  provider: string;
  version: string;
}

export interface KeeperState {
  pid: number;
  pidStart: string | null;
  services: Record<string, SharedServer>;
  applied: number;
  error?: string;
  stoppedAt?: string;
  reason?: string;
}

export interface WantState {
  seq: number;
  services: string[];
}

export const sessionsDir = (stateDir: string): string => join(stateDir, 'sessions');

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The session id of this process: POC_BENCH_SESSION, else the turbo run above it. */
export function sessionIdFor(turbo: TurboProcess | undefined, env = process.env): string | undefined {
  const named = env.POC_BENCH_SESSION?.trim();
  if (named) return named.replace(/[^\w.-]/g, '_');
  return turbo ? `turbo-${turbo.pid}-${turbo.start ?? '0'}` : undefined;
}

const KEEP_SESSIONS = 10;

export class Session {
  readonly stateDir: string;
  readonly id: string;
  readonly dir: string;
  constructor(stateDir: string, id: string) {
    this.stateDir = stateDir;
    this.id = id;
    this.dir = join(sessionsDir(stateDir), id);
  }

  get file(): string {
    return join(this.dir, 'session.json');
  }

  read(): SessionState | undefined {
    return readJson<SessionState>(this.file);
  }

  write(state: SessionState): void {
    writeJsonAtomic(this.file, state);
  }

  /** Reads the session, creating it (plan included) when this is its first bench. Call under the lock. */
  open(turbo: TurboProcess | undefined): SessionState {
    const existing = this.read();
    if (existing) return existing;
    mkdirSync(this.dir, { recursive: true });
    pruneSessions(this.stateDir, this.id);
    const wrapper = Number(process.env.POC_BENCH_SESSION_OWNER);
    const owner =
      wrapper && isAlive(wrapper)
        ? { pid: wrapper, start: processStart(wrapper) }
        : turbo
          ? { pid: turbo.pid, start: turbo.start }
          : null;
    const state: SessionState = {
      id: this.id,
      createdAt: new Date().toISOString(),
      owner,
      interactive: !process.env.CI && (Boolean(process.stderr.isTTY) || (owner ? writesToTerminal(owner.pid) : false)),
      plan: turbo ? (planOf(turbo) ?? null) : null,
      benches: [],
    };
    this.write(state);
    return state;
  }

  update(change: (s: SessionState) => void): SessionState | undefined {
    const s = this.read();
    if (!s) return undefined;
    change(s);
    this.write(s);
    return s;
  }

  keeper(): KeeperState | undefined {
    return readJson<KeeperState>(join(this.dir, 'keeper.json'));
  }

  keeperAlive(): boolean {
    const k = this.keeper();
    return Boolean(k && !k.stoppedAt && isAlive(k.pid, k.pidStart));
  }

  /**
   * Makes the keeper run exactly `services` (starting the keeper if there is none), waits until it
   * has, and returns the servers. Starting a server happens under the bench lock, so it never
   * overlaps another bench's measurement.
   */
  async ensureServices(
    services: readonly string[],
    log: (line: string) => void,
    timeoutMs = 300_000,
  ): Promise<Record<string, SharedServer>> {
    const wantFile = join(this.dir, 'want.json');
    const seq = (readJson<WantState>(wantFile)?.seq ?? 0) + 1;
    writeJsonAtomic(wantFile, { seq, services: [...new Set(services)].sort() } satisfies WantState);
    if (!this.keeperAlive()) this.spawnKeeper(log);
    const t0 = Date.now();
    let spawnedAt = t0;
    let respawns = 0;
    for (;;) {
      const k = this.keeper();
      if (k && k.applied >= seq) {
        if (k.error) throw new Error(`the bench session's keeper could not start ${services.join(', ')}: ${k.error}`);
        return k.services;
      }
      // A keeper that stopped (it went idle just as we asked) or died is replaced, once or twice.
      // (No keeper.json yet: a new keeper is starting; it gets 10 s to write one.)
      const gone = k ? Boolean(k.stoppedAt) || !isAlive(k.pid, k.pidStart) : Date.now() - spawnedAt > 10_000;
      if (gone) {
        if (respawns >= 2) {
          const tail = tailOf(join(this.dir, 'keeper.log'));
          throw new Error(
            `the bench session's keeper exited before starting ${services.join(', ')}${tail ? `:\n${tail}` : ''}`,
          );
        }
        respawns++;
        spawnedAt = Date.now();
        this.spawnKeeper(log);
      }
      if (Date.now() - t0 > timeoutMs)
        throw new Error(
          `the bench session's keeper did not start ${services.join(', ')} within ${timeoutMs / 1_000} s`,
        );
      await sleep(100);
    }
  }

  private spawnKeeper(log: (line: string) => void): void {
    const state = this.read();
    const owner = state?.owner;
    const script = fileURLToPath(new URL('../cli/bench-keeper.ts', import.meta.url));
    const tsx = import.meta.resolve('tsx');
    const env = { ...process.env };
    for (const k of ['npm_lifecycle_event', 'POC_RUN_LEDGER', 'POC_BENCH_LOCK_HOLDER']) delete env[k];
    // A new keeper starts from a clean slate: whatever a dead one left in keeper.json is void.
    rmSync(join(this.dir, 'keeper.json'), { force: true });
    const out = openSync(join(this.dir, 'keeper.log'), 'a');
    try {
      const child = spawn(
        process.execPath,
        ['--import', tsx, script, this.stateDir, this.id, String(owner?.pid ?? 0), owner?.start ?? ''],
        { detached: true, stdio: ['ignore', out, out], env, cwd: this.dir },
      );
      child.unref();
      log(`started the session's server keeper (pid ${child.pid}); it stops the servers when turbo exits`);
    } finally {
      closeSync(out);
    }
  }
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/** Keeps the newest sessions' folders (with no live keeper) to KEEP_SESSIONS. */
function pruneSessions(stateDir: string, keep: string): void {
  const dir = sessionsDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const byAge = names
    .filter((n) => n !== keep)
    .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of byAge.slice(KEEP_SESSIONS - 1)) {
    const k = readJson<KeeperState>(join(dir, n, 'keeper.json'));
    if (k && !k.stoppedAt && isAlive(k.pid, k.pidStart)) continue;
    rmSync(join(dir, n), { recursive: true, force: true });
  }
}

/** The most recently created session, if any. */
export function latestSession(stateDir: string): Session | undefined {
  const dir = sessionsDir(stateDir);
  if (!existsSync(dir)) return undefined;
  const newest = readdirSync(dir)
    .map((n) => ({ n, s: readJson<SessionState>(join(dir, n, 'session.json')) }))
    .filter((x): x is { n: string; s: SessionState } => x.s !== undefined)
    .sort((a, b) => b.s.createdAt.localeCompare(a.s.createdAt))[0];
  return newest ? new Session(stateDir, newest.n) : undefined;
}
