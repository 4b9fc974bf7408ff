// Reads every POC (packages/<series>/<name>) and every system (apps/* with a `poc` block) and checks it
// against POC_STANDARD.md. Status is derived here and nowhere else: "done" only when nothing is
// missing; otherwise "in progress".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { benchResultSchema, type BenchResult } from '@poc/harness/bench';
import { SERVICES } from '@poc/harness/services';
import { workspacePackageDirs } from '@poc/harness/workspace';
import type { z } from 'zod';
import { checkBench } from './bench-checks.ts';
import { shortName } from './catalog.ts';
import { checkReadme } from './readme.ts';
import { packageJsonSchema, pocMetaSchema, SERIES, SYSTEMS, type PocMeta } from './schema.ts';
import { todoMarkers } from './todos.ts';

export type Status = 'done' | 'in progress';

export interface Issue {
  /** Dotted path of what is wrong: poc.summary, readme.break-it, test, bench/results.json.date ... */
  field: string;
  message: string;
  /**
   * error: breaks the standard (validation fails). todo: allowed while in progress (no bench result yet,
   * TODO markers left by `pnpm poc new`). warning: the bench result is not a clean figure (stale, no raw
   * samples, loaded machine, README table out of date): printed, shown, but neither failing nor
   * changing the status, until the benches are re-run.
   */
  level: 'error' | 'todo' | 'warning';
}

export interface PocRecord {
  name: string;
  /** Folder relative to the workspace root, with forward slashes. */
  dir: string;
  /** Absolute folder. */
  path: string;
  kind: 'poc' | 'system';
  /** From the folder: packages/<series>/..., or "systems" for apps. */
  series: string;
  meta?: PocMeta;
  scripts: Record<string, string>;
  readme?: { markdown: string; title?: string; whatYoullBuild?: string };
  bench?: BenchResult;
  /** What the catalog makes of the bench result: stale or not, and its flags (see bench-checks.ts). */
  benchState?: { stale: string | null; flags: string[] };
  testFiles: string[];
  benchFiles: string[];
  issues: Issue[];
  status: Status;
}

export interface WorkspaceReport {
  root: string;
  pocs: PocRecord[];
  errors: number;
  warnings: number;
}

const posix = (p: string): string => p.split(sep).join('/');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, keep));
    else if (keep(entry.name)) out.push(full);
  }
  return out.sort();
}

const zodIssues = (prefix: string, error: z.ZodError): Issue[] =>
  error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const field = `${prefix}${path}`.replace(/^\./, '');
    const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
    return { field: field || prefix, message: `${i.message}${keys}`, level: 'error' as const };
  });

/** The file a `tsx <file>` script runs, when it has that shape. */
const scriptTarget = (script: string | undefined): string | undefined => script?.match(/^tsx\s+(\S+\.[cm]?ts)\b/)?.[1];

/** Validates one package folder. `kind` comes from where it lives (packages/<series>/<name> or apps/<name>). */
export function readPoc(root: string, path: string): PocRecord | undefined {
  const dir = posix(relative(root, path));
  const isApp = dir.startsWith('apps/');
  const folderSeries = isApp ? SYSTEMS : basename(dirname(path));
  const issues: Issue[] = [];
  const error = (field: string, message: string): void => void issues.push({ field, message, level: 'error' });

  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const name = dir;
    return finish({
      name,
      dir,
      path,
      kind: isApp ? 'system' : 'poc',
      series: folderSeries,
      scripts: {},
      testFiles: [],
      benchFiles: [],
      issues: [{ field: 'package.json', message: `unreadable: ${(e as Error).message}`, level: 'error' }],
    });
  }
  // apps/* without a poc block are tools (like this catalog), not systems; packages/<folder>/* outside
  // the series folders without one are shared libraries (e.g. packages/shared/*), not POCs.
  if (raw.poc === undefined && (isApp || !(SERIES as readonly string[]).includes(folderSeries))) return undefined;

  const name = typeof raw.name === 'string' && raw.name ? raw.name : dir;
  const pkg = packageJsonSchema.safeParse(raw);
  if (!pkg.success) issues.push(...zodIssues('', pkg.error));
  const scripts = pkg.success ? pkg.data.scripts : {};
  if (!isApp) {
    const expected = `poc-${folderSeries}-${basename(path)}`;
    if (name !== expected) error('name', `must be "${expected}" (poc-<series>-<name> from the folder ${dir})`);
    if (!(SERIES as readonly string[]).includes(folderSeries))
      error('series', `folder series "${folderSeries}" is not one of: ${SERIES.join(', ')}`);
  }

  let meta: PocMeta | undefined;
  if (raw.poc === undefined) error('poc', 'missing: package.json has no "poc" metadata block');
  else {
    const parsed = pocMetaSchema.safeParse(raw.poc);
    if (!parsed.success) issues.push(...zodIssues('poc', parsed.error));
    else {
      meta = parsed.data;
      if (meta.series !== folderSeries)
        error(
          'poc.series',
          `is "${meta.series}" but the package lives under ${isApp ? 'apps/ (series "systems")' : `packages/${folderSeries}/`}`,
        );
      meta.services.forEach((s, i) => {
        if (!(s in SERVICES))
          error(
            `poc.services[${i}]`,
            `unknown service "${s}": the harness provides ${Object.keys(SERVICES).join(', ')}`,
          );
      });
    }
  }

  // Source, scripts, tests, bench, demo.
  if (!existsSync(join(path, 'src', 'index.ts'))) error('src/index.ts', 'missing: the library entry point');
  for (const script of ['test', 'bench', 'demo'] as const) {
    if (!scripts[script]) error(`scripts.${script}`, `missing: package.json needs a "${script}" script`);
    const target = scriptTarget(scripts[script]);
    if (target && !existsSync(join(path, target))) error(`scripts.${script}`, `runs ${target}, which does not exist`);
  }
  const testFiles = filesUnder(join(path, 'test'), (f) => /\.(test|spec)\.[cm]?ts$/.test(f)).map((f) =>
    posix(relative(path, f)),
  );
  if (testFiles.length === 0) error('test', 'no test files (test/**/*.test.ts)');
  const benchFiles = filesUnder(join(path, 'bench'), (f) => /\.[cm]?ts$/.test(f)).map((f) => posix(relative(path, f)));
  if (benchFiles.length === 0) error('bench', 'no bench files (bench/*.ts)');
  if (scripts.demo && !scriptTarget(scripts.demo) && !existsSync(join(path, 'src', 'demo.ts')))
    error('demo', 'no demo (src/demo.ts)');

  // README.
  let readme: PocRecord['readme'];
  const readmePath = join(path, 'README.md');
  if (!existsSync(readmePath)) error('README.md', 'missing: every POC needs a README (POC_STANDARD.md §5)');
  else {
    const markdown = readFileSync(readmePath, 'utf8');
    const facts = checkReadme(markdown);
    for (const p of facts.problems) error(p.field, p.message);
    readme = { markdown, title: facts.title, whatYoullBuild: facts.whatYoullBuild };
  }

  // What the generator left for a person to write.
  for (const t of todoMarkers(path, raw, readme?.markdown)) issues.push({ ...t, level: 'todo' });

  // Latest bench result.
  let bench: BenchResult | undefined;
  const resultPath = join(path, 'bench', 'results.json');
  if (!existsSync(resultPath) || !statSync(resultPath).isFile()) {
    issues.push({
      field: 'bench/results.json',
      message: `no bench result yet: run \`pnpm --filter ${name} bench\``,
      level: 'todo',
    });
  } else {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(resultPath, 'utf8'));
    } catch (e) {
      error('bench/results.json', `not valid JSON: ${(e as Error).message}`);
    }
    if (json !== undefined) {
      const parsed = benchResultSchema.safeParse(json);
      if (!parsed.success) issues.push(...zodIssues('bench/results.json', parsed.error));
      else if (parsed.data.package !== name)
        error('bench/results.json.package', `is "${parsed.data.package}", not "${name}"`);
      else bench = parsed.data;
    }
  }
  let benchState: PocRecord['benchState'];
  if (bench) {
    const checked = checkBench(bench, path, name, shortName(name), readme?.markdown);
    benchState = { stale: checked.stale, flags: checked.flags };
    for (const w of checked.warnings) issues.push({ ...w, level: 'warning' });
  }

  return finish({
    name,
    dir,
    path,
    kind: isApp ? 'system' : 'poc',
    series: meta?.series ?? folderSeries,
    meta,
    scripts,
    readme,
    bench,
    benchState,
    testFiles,
    benchFiles,
    issues,
  });
}

function finish(record: Omit<PocRecord, 'status'>): PocRecord {
  return { ...record, status: deriveStatus(record.issues) };
}

/**
 * "done" only when the package meets the whole standard; anything missing, even a bench result, is
 * "in progress". Warnings (a stale or unclean bench result) are shown next to the status, not in it.
 */
export function deriveStatus(issues: readonly Issue[]): Status {
  return issues.some((i) => i.level !== 'warning') ? 'in progress' : 'done';
}

const SERIES_ORDER: readonly string[] = [...SERIES, SYSTEMS];

/** Every POC and system of the workspace, validated, in series order then roadmap number then name. */
export function validateWorkspace(root: string): WorkspaceReport {
  const pocs = workspacePackageDirs(root)
    .filter((d) => posix(relative(root, d)) !== 'packages/harness')
    .map((d) => readPoc(root, d))
    .filter((p): p is PocRecord => p !== undefined)
    .sort(
      (a, b) =>
        SERIES_ORDER.indexOf(a.series) - SERIES_ORDER.indexOf(b.series) ||
        (a.meta?.number ?? Infinity) - (b.meta?.number ?? Infinity) ||
        a.name.localeCompare(b.name),
    );
  const count = (level: Issue['level']): number =>
    pocs.reduce((n, p) => n + p.issues.filter((i) => i.level === level).length, 0);
  return { root, pocs, errors: count('error'), warnings: count('warning') };
}

/** Human-readable report lines: one per issue, "package  field  message". */
export function formatReport(report: WorkspaceReport): string[] {
  const lines: string[] = [];
  for (const p of report.pocs) {
    lines.push(`${p.status === 'done' ? '✓' : '•'} ${p.name} (${p.dir}): ${p.status}`);
    for (const i of p.issues)
      lines.push(`    ${i.level === 'warning' ? 'warn ' : i.level.padEnd(5)}  ${p.name}  ${i.field}: ${i.message}`);
  }
  const done = report.pocs.filter((p) => p.status === 'done').length;
  const failing = report.pocs.filter((p) => p.issues.some((i) => i.level === 'error')).length;
  const stale = report.pocs.filter((p) => p.benchState?.stale).length;
  lines.push('');
  lines.push(
    `${report.pocs.length} packages: ${done} done, ${report.pocs.length - done} in progress; ${report.errors} error(s) in ${failing} package(s)` +
      `; ${report.warnings} warning(s)${stale ? `; ${stale} stale bench result(s)` : ''}`,
  );
  return lines;
}
