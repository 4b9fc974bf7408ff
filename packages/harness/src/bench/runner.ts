// The bench runner: what happens in a bench process before its first line runs. When a package's
// `bench` script runs (npm_lifecycle_event=bench: `pnpm --filter X bench`, `turbo run bench`,
// `pnpm bench`), importing the harness's bench module
//
//   1. queues for the repository's bench lock (lock.ts) and takes it: one bench at a time;
//   2. inside a `turbo run bench` session (session.ts), attaches the package's services to the
//      session's shared servers, asking the keeper to start any that are missing (under the lock);
//   3. waits, boundedly, for the machine to be quiet (see settle());
//   4. prints which bench this is (N of M), how long it usually takes and what is left, and the servers;
//   5. on exit, records the outcome in the session, releases the lock, and the session's last bench
//      prints the run's summary table (summary.ts).
//
// POC_BENCH_LOCK=off skips all of it (the result then records `lock: null` and the catalog says so).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { declaredServices } from '../cli/turbo-plan.ts';
import { workspaceRoot } from '../cli/workspace.ts';
import { definition } from '../services/servers.ts';
import { duration } from './format.ts';
import { acquireBenchLock, benchStateDir, HOLDER_ENV, type BenchLock } from './lock.ts';
import { coreCount, gitInfo, loadAverage, sourceHash, type LoadTriple } from './provenance.ts';
import { benchProfile, type BenchProfile } from './profile.ts';
import { cpuTicks, isAlive } from './procfs.ts';
import { findTurboAncestor, Session, sessionIdFor, type SessionState } from './session.ts';
import { previousDurationMs, renderSummary } from './summary.ts';

export interface BenchRun {
  profile: BenchProfile;
  packageDir: string;
  /** When the lock was taken, and when measuring began (after services and the quiet wait). */
  acquiredAt: Date;
  startedAt: Date;
  loadStart: LoadTriple;
  /** The code measured: src/ and bench/ as they were when measuring began, and the commit. */
  sourceHash: string;
  git: { commit: string | null; dirty: boolean | null };
  lock: { waitedMs: number; settleMs: number; quiet: boolean };
  session: { id: string; index: number; of: number | null } | null;
  servers: Record<string, 'session' | 'run' | 'own'>;
}

let current: BenchRun | undefined;
let resultWritten = false;

/** The run this process is part of, when the runner took the lock for it. */
export const currentBenchRun = (): BenchRun | undefined => current;

/** benchReport().finish() calls this once the result file is on disk. */
export function markResultWritten(): void {
  resultWritten = true;
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Whether this process is a bench the runner must serialise (see the header). */
export function isBenchProcess(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POC_BENCH_LOCK === 'off') return false;
  const holder = Number(env[HOLDER_ENV]);
  // A worker spawned by the bench holding the lock: it is part of that bench, not a new one.
  if (holder && holder !== process.pid && isAlive(holder)) return false;
  return env.npm_lifecycle_event === 'bench';
}

function packageDirOf(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      if (dirname(dir) === dir) return from;
    }
  }
}

const clock = (iso: string): string => iso.slice(11, 19);

/**
 * Waits until the machine is quiet before measuring: less than half a core busy over one second, and
 * a 1-minute load average no higher than the core count (the figure the result's load flag is
 * about). Gives up after POC_BENCH_SETTLE_MS (default 60 s; 0 in the short profile) and says so.
 */
export async function settle(maxMs: number): Promise<{ settleMs: number; quiet: boolean }> {
  const cores = coreCount();
  const t0 = Date.now();
  for (;;) {
    const a = cpuTicks();
    if (maxMs > 0) await sleep(1_000);
    const b = cpuTicks();
    const busyCores = a && b && b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * cores : 0;
    const quiet = busyCores < 0.5 && loadAverage()[0] <= cores;
    if (quiet || Date.now() - t0 >= maxMs) return { settleMs: Date.now() - t0, quiet };
  }
}

function settleBudget(profile: BenchProfile): number {
  const raw = process.env.POC_BENCH_SETTLE_MS;
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`POC_BENCH_SETTLE_MS="${raw}" must be a number of ms >= 0`);
    return n;
  }
  return profile === 'short' ? 0 : 60_000;
}

/** Takes the lock and prepares the run (see the header). A no-op outside a bench script. */
export async function enterBench(): Promise<void> {
  if (current || !isBenchProcess()) return;
  const profile = benchProfile();
  const packageDir = packageDirOf(process.cwd());
  const pkgName =
    (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: string }).name ?? packageDir;
  const root = workspaceRoot(packageDir);
  const stateDir = benchStateDir(root);
  const turbo = findTurboAncestor();
  const sessionId = sessionIdFor(turbo);
  const session = sessionId ? new Session(stateDir, sessionId) : undefined;

  const lock: BenchLock = await acquireBenchLock({
    dir: stateDir,
    package: pkgName,
    session: sessionId ?? null,
    onWait: (h, ahead) =>
      log(
        `${pkgName} waits for the bench lock, held by pid ${h.pid} (${h.package}${h.session && h.session === sessionId ? ', this run' : ''}) since ${clock(h.since)}` +
          `${ahead > 0 ? `; ${ahead} bench(es) queued ahead` : ''}`,
      ),
  });
  const acquiredAt = new Date();
  process.env[HOLDER_ENV] = String(process.pid);

  let state: SessionState | undefined;
  let index = 1;
  if (session) {
    state = session.open(turbo);
    index = state.benches.length + 1;
    state = session.update((s) =>
      s.benches.push({
        package: pkgName,
        dir: relative(root, packageDir).split(sep).join('/'),
        pid: process.pid,
        index,
        startedAt: acquiredAt.toISOString(),
      }),
    );
  }
  const of = state?.plan?.length || null;

  let ticker: NodeJS.Timeout | undefined;
  process.once('exit', (code) => {
    if (ticker) clearInterval(ticker);
    const finishedAt = new Date().toISOString();
    let after: SessionState | undefined;
    try {
      after = session?.update((s) => {
        const me = s.benches.find((b) => b.pid === process.pid && b.index === index);
        if (me) Object.assign(me, { finishedAt, exitCode: code, resultWritten });
      });
    } finally {
      lock.release();
    }
    log(
      `${of ? `${index} of ${of}` : `#${index}`} ${pkgName} ${code === 0 ? 'finished' : `failed (exit ${code})`} in ${duration(Date.now() - acquiredAt.getTime())}` +
        `${resultWritten ? '' : '; no result written'}`,
    );
    if (after?.plan && !process.env.POC_BENCH_WRAPPED) {
      const done = after.benches.filter((b) => b.finishedAt).length;
      if (done >= after.plan.length) process.stderr.write(`\n${renderSummary(root, after).join('\n')}\n`);
    }
  });

  // Servers: the run's (POC_*_URL set by a wrapper or the user), the session's, or the bench's own.
  const servers: BenchRun['servers'] = {};
  const declared = declaredServices(packageDir);
  const missing = declared.filter((s) => !process.env[definition(s).envVar]);
  for (const s of declared) if (!missing.includes(s)) servers[s] = 'run';
  if (session && state) {
    const running = Object.keys(session.keeperAlive() ? (session.keeper()?.services ?? {}) : {});
    const remaining = (state.plan ?? []).filter((p) => !state!.benches.some((b) => b.package === p.package));
    const stillNeeded = new Set<string>(missing);
    for (const p of remaining) {
      for (const s of declaredServices(join(root, p.dir))) if (!process.env[definition(s).envVar]) stillNeeded.add(s);
    }
    // Keep what a later bench of the plan needs (without a plan: keep everything); start what this one needs.
    const want = [...new Set([...running.filter((s) => !state!.plan || stillNeeded.has(s)), ...missing])];
    if (want.length > 0 || running.length > 0) {
      const got = await session.ensureServices(want, log);
      const shared = (process.env.POC_SERVICES_SHARED ?? '').split(',').filter(Boolean);
      for (const s of missing) {
        const server = got[s]!;
        process.env[server.envVar] = server.url;
        shared.push(`${s}=${server.provider}`);
        servers[s] = 'session';
      }
      process.env.POC_SERVICES_SHARED = shared.join(',');
    }
  } else {
    for (const s of missing) servers[s] = 'own';
  }

  // Progress: which bench, N of M, how long it usually takes and what is left, the servers.
  const usual = previousDurationMs(packageDir);
  const remainingPlan = (state?.plan ?? []).filter((p) => !state!.benches.some((b) => b.package === p.package));
  const later = remainingPlan.map((p) => previousDurationMs(join(root, p.dir)));
  const knownLater = later.filter((x): x is number => x !== undefined).reduce((a, b) => a + b, 0);
  const unknownLater = later.filter((x) => x === undefined).length;
  const serverText =
    Object.entries(servers)
      .map(
        ([s, from]) =>
          `${s} (${from === 'session' ? 'shared by this run' : from === 'run' ? 'from POC_*_URL' : 'its own'})`,
      )
      .join(', ') || 'none';
  log(
    `${of ? `${index} of ${of}` : `#${index}`}: ${pkgName}${profile === 'short' ? ' (short profile)' : ''}` +
      `${usual ? `, usually ${duration(usual)}` : ''}` +
      `${remainingPlan.length ? `; after it ${remainingPlan.length} more${knownLater ? ` (~${duration(knownLater)}${unknownLater ? ` + ${unknownLater} never timed` : ''})` : ''}` : ''}` +
      `; servers: ${serverText}` +
      `${lock.waitedMs > 1_000 ? `; queued ${duration(lock.waitedMs)}` : ''}`,
  );
  const budget = settleBudget(profile);
  const quiet = await settle(budget);
  if (!quiet.quiet)
    log(
      budget > 0
        ? `the machine did not get quiet within ${duration(quiet.settleMs)} (load ${loadAverage()[0]} on ${coreCount()} cores): measuring anyway, the result will say so`
        : `the machine is not quiet (load ${loadAverage()[0]} on ${coreCount()} cores) and POC_BENCH_SETTLE_MS=0: measuring anyway, the result will say so`,
    );
  const startedAt = new Date();
  current = {
    profile,
    packageDir,
    acquiredAt,
    startedAt,
    loadStart: loadAverage(),
    sourceHash: sourceHash(packageDir),
    git: gitInfo(packageDir),
    lock: { waitedMs: lock.waitedMs, settleMs: quiet.settleMs, quiet: quiet.quiet },
    session: session ? { id: session.id, index, of } : null,
    servers,
  };

  if (state?.interactive ?? (Boolean(process.stderr.isTTY) && !process.env.CI)) {
    ticker = setInterval(() => {
      const elapsed = Date.now() - acquiredAt.getTime();
      const left = usual ? Math.max(0, usual - elapsed) + knownLater : undefined;
      log(
        `${pkgName}: ${duration(elapsed)} elapsed${left !== undefined ? `, ~${duration(left)} left in the run` : ''}`,
      );
    }, 30_000);
    ticker.unref();
  }
}
