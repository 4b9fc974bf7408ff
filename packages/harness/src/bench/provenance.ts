// Where a result came from: a hash of the code it measured, the commit, and the load on the machine.
// The catalog recomputes sourceHash() to tell a result that is older than its code (stale).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** Folders of a package whose files the hash covers. */
export const HASHED_DIRS = ['src', 'bench'] as const;
/** Files and folders of those folders the hash leaves out: what a bench writes (results, query plans). */
const EXCLUDED = new Set(['bench/results.json', 'bench/plans']);

function filesUnder(root: string, rel: string): string[] {
  const dir = join(root, rel);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = `${rel}/${entry.name}`;
    if (EXCLUDED.has(child)) continue;
    if (entry.isDirectory()) out.push(...filesUnder(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

/**
 * "sha256:<hex>" over every file of the package's src/ and bench/ (bench/results.json, bench/plans/,
 * node_modules and dot-files left out): each file's path relative to the package, a NUL, its bytes, a NUL, in path order.
 */
export function sourceHash(packageDir: string): string {
  const files = HASHED_DIRS.flatMap((d) => filesUnder(packageDir, d)).sort();
  const hash = createHash('sha256');
  for (const rel of files) {
    hash.update(rel);
    hash.update('\0');
    hash.update(readFileSync(join(packageDir, rel)));
    hash.update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

const git = (cwd: string, args: string[]): string | undefined => {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

/** The commit checked out, and whether the package's src/ or bench/ (results aside) differ from it. */
export function gitInfo(packageDir: string): { commit: string | null; dirty: boolean | null } {
  const commit = git(packageDir, ['rev-parse', 'HEAD']);
  if (!commit) return { commit: null, dirty: null };
  const status = git(packageDir, [
    'status',
    '--porcelain',
    '--untracked-files=all',
    '--',
    ...HASHED_DIRS,
    ...[...EXCLUDED].map((f) => `:(exclude)${f}`),
  ]);
  return { commit, dirty: status === undefined ? null : status.length > 0 };
}

/** The package's result file as committed (HEAD), or undefined (no git, not committed). */
export function committedResultText(packageDir: string): string | undefined {
  const top = git(packageDir, ['rev-parse', '--show-prefix']);
  if (top === undefined) return undefined;
  return git(packageDir, ['show', `HEAD:${top}bench/results.json`]);
}

export type LoadTriple = [number, number, number];
const round2 = (n: number): number => Math.round(n * 100) / 100;

export function loadAverage(): LoadTriple {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [round2(a), round2(b), round2(c)];
}

export const coreCount = (): number => cpus().length || 1;

/**
 * The machine was busy before the bench began: the 1-minute load average at start exceeded the core
 * count. Only the start is judged: the figure at the end includes the bench's own client and servers
 * (a bench that keeps two cores busy ends near a load of 2 on a quiet two-core machine).
 */
export const loadWasHigh = (l: { start: LoadTriple; cores: number }): boolean => l.start[0] > l.cores;
