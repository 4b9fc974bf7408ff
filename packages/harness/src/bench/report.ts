// Collects a bench's comparisons, measurements and facts, prints them, and writes the result file
// (schema version 2: raw samples, provenance, intervals; see schema.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { requireArg } from '../errors.ts';
import { serverFor } from '../services/servers.ts';
import { completeComparison } from './compare.ts';
import { resultFlags } from './flags.ts';
import { duration, num, ratioText } from './format.ts';
import { firstRatio, headlineFigures, isTemplate, resolveHeadline, type HeadlineFigures } from './headline.ts';
import { benchProfile } from './profile.ts';
import { coreCount, gitInfo, loadAverage, loadWasHigh, sourceHash } from './provenance.ts';
import { currentBenchRun, markResultWritten } from './runner.ts';
import {
  benchResultSchema,
  benchResultV2Schema,
  SCHEMA_VERSION,
  type BenchResult,
  type BenchResultV1,
  type BenchResultV2,
  type Comparison,
  type Fact,
  type Measurement,
} from './schema.ts';

export interface BenchReportOptions {
  /** Parameters that shape the figures (ops, concurrency, TTLs ...), recorded with them. */
  parameters: Record<string, string | number | boolean>;
  /** Services the bench used; their provider and version go into the file. */
  services?: readonly string[];
  /** Package directory (default: the current directory, as `pnpm --filter X bench` runs it). */
  packageDir?: string;
}

/** Everything a result holds except its headline: what a headline function is given. */
export type HeadlineInput = Omit<BenchResultV2, 'headline' | 'headlineSource' | 'headlineTemplate' | 'headlineRatio'>;

/**
 * The headline: a template whose placeholders are resolved from the stored figures (preferred: the
 * catalog re-checks it; see headline.ts), a function of the result, or (kept for older benches) a
 * typed sentence.
 */
export type Headline = string | ((result: HeadlineInput, figures: HeadlineFigures) => string);

export interface BenchReport {
  add(entry: Comparison | Measurement | Fact): void;
  /** Prints the tables, validates and writes <package>/bench/results.json, and returns what it wrote. */
  finish(headline: Headline): Promise<BenchResultV2>;
}

export const resultFilePath = (packageDir: string): string => join(packageDir, 'bench', 'results.json');

export function machineInfo(): BenchResult['machine'] {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

export function benchReport(options: BenchReportOptions): BenchReport {
  const packageDir = options.packageDir ?? process.cwd();
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string };
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];
  const facts: Fact[] = [];
  // Without the runner (a test, POC_BENCH_LOCK=off), the run starts when the report is made.
  const createdAt = new Date();
  const loadAtCreation = loadAverage();
  return {
    add(entry) {
      if ('kind' in entry) comparisons.push(completeComparison(entry));
      else if ('summary' in entry) measurements.push(entry);
      else facts.push(entry);
    },
    async finish(headline) {
      if (typeof headline === 'string')
        requireArg(headline.trim().length > 0, 'headline', 'must be a non-empty sentence');
      const services: BenchResult['services'] = {};
      for (const name of options.services ?? []) {
        const s = await serverFor(name);
        services[name] = { provider: s.provider, version: s.version };
      }
      const runner = currentBenchRun();
      const finishedAt = new Date();
      const startedAt = runner?.startedAt ?? createdAt;
      const loadStart = runner?.loadStart ?? loadAtCreation;
      const loadEnd = loadAverage();
      const cores = coreCount();
      const shared = (process.env.POC_SERVICES_SHARED ?? '').split(',').map((e) => e.split('=')[0]);
      const draft: HeadlineInput = {
        schemaVersion: SCHEMA_VERSION as 2,
        package: pkg.name,
        date: finishedAt.toISOString(),
        command: `pnpm --filter ${pkg.name} bench`,
        machine: machineInfo(),
        services,
        parameters: options.parameters,
        comparisons,
        measurements,
        facts,
        run: {
          profile: runner?.profile ?? benchProfile(),
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationMs: finishedAt.getTime() - startedAt.getTime(),
          loadAverage: { start: loadStart, end: loadEnd, cores, tooHigh: loadWasHigh({ start: loadStart, cores }) },
          // The code that ran: as it was when measuring began (an edit during the run leaves the result stale).
          git: runner?.git ?? gitInfo(packageDir),
          sourceHash: runner?.sourceHash ?? sourceHash(packageDir),
          lock: runner ? { acquiredAt: runner.acquiredAt.toISOString(), ...runner.lock } : null,
          session: runner?.session ?? null,
          servers:
            runner?.servers ??
            Object.fromEntries((options.services ?? []).map((s) => [s, shared.includes(s) ? 'run' : 'own'])),
        },
      };
      let text: string;
      let source: BenchResultV2['headlineSource'];
      let template: string | undefined;
      let lead: BenchResultV2['headlineRatio'];
      if (typeof headline === 'function') {
        text = headline(draft, headlineFigures(draft));
        requireArg(
          typeof text === 'string' && text.trim().length > 0,
          'headline',
          'function must return a non-empty sentence',
        );
        source = 'function';
      } else if (isTemplate(headline)) {
        text = resolveHeadline(headline, draft);
        source = 'template';
        template = headline;
        lead = firstRatio(headline);
      } else {
        text = headline;
        source = 'typed';
      }
      const result = benchResultV2Schema.parse({
        ...draft,
        headline: text,
        headlineSource: source,
        ...(template === undefined ? {} : { headlineTemplate: template }),
        ...(lead === undefined ? {} : { headlineRatio: lead }),
      });
      const file = resultFilePath(packageDir);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      markResultWritten();
      const flags = resultFlags(result, packageDir).filter((f) => f !== 'stale');
      console.log(
        `\n${renderMarkdown(result)}\nwrote ${file} (${duration(result.run.durationMs)} measuring)` +
          `${flags.length ? `\nflags: ${flags.join('; ')}` : ''}`,
      );
      return result;
    },
  };
}

/** Reads and validates a package's result file (version 1 or 2); undefined when it has none. */
export function readResult(packageDir: string): BenchResult | undefined {
  let raw: string;
  try {
    raw = readFileSync(resultFilePath(packageDir), 'utf8');
  } catch {
    return undefined;
  }
  return benchResultSchema.parse(JSON.parse(raw));
}

const servicesLine = (result: BenchResult): string =>
  Object.entries(result.services)
    .map(([k, v]) => `${k} ${v.version} (${v.provider})`)
    .join(', ');
const machineLine = (result: BenchResult): string => {
  const m = result.machine;
  return `${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`;
};
const parametersLine = (result: BenchResult): string =>
  `Parameters: ${
    Object.entries(result.parameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none'
  }.`;

/**
 * The result as Markdown: what a README's "Measured" section holds, verbatim (the catalog checks it).
 * Version 1 results render exactly as they always did, so the READMEs that quote them still match.
 */
export function renderMarkdown(result: BenchResult): string {
  return result.schemaVersion === 1 ? renderV1(result) : renderV2(result);
}

function renderV2(result: BenchResultV2): string {
  const out: string[] = [];
  const svc = servicesLine(result);
  const run = result.run;
  const l = run.loadAverage;
  out.push(
    `Measured ${result.date.slice(0, 10)} with \`${result.command}\` on ${machineLine(result)}${svc ? `; ${svc}` : ''}.`,
  );
  out.push(
    `Commit ${run.git.commit ? run.git.commit.slice(0, 12) : 'unknown'}${run.git.dirty ? ' with uncommitted changes to src/ or bench/' : ''}; ` +
      `load average ${l.start[0]} at start, ${l.end[0]} at end on ${l.cores} cores${loadWasHigh(l) ? ' (**higher than the core count at start: not a quiet machine**)' : ''}` +
      `${run.lock ? '' : '; run without the bench lock'}${run.profile === 'short' ? '; **short profile: a smoke run, not a figure to publish**' : ''}.`,
  );
  out.push(parametersLine(result), '');
  for (const c of result.comparisons) {
    const load = c.kind === 'load';
    const ci = c.ratios.find((r) => r.interval)?.interval;
    out.push(
      `**${c.title}** (${c.rounds} interleaved rounds${load && c.concurrency ? `, ${c.concurrency} concurrent callers` : ''}; ` +
        `ratios per round, median with ${ci ? `a ${Math.floor(ci.confidence * 1_000) / 10}% interval` : 'its range'})`,
      '',
    );
    const lat = load && c.variants.some((v) => v.latencyMs);
    out.push(
      `| variant | ops/s (median) | ops/s range |${lat ? ' p50 ms | p95 ms | p99 ms |' : ''}${load ? ' errors |' : ''} vs ${c.baseline} |`,
    );
    out.push(`|---|---:|---:|${lat ? '---:|---:|---:|' : ''}${load ? '---:|' : ''}---:|`);
    for (const v of c.variants) {
      const r = c.ratios.find((x) => x.variant === v.name);
      const l = v.latencyMs;
      const latency = lat ? (l ? ` ${num(l.p50)} | ${num(l.p95)} | ${num(l.p99)} |` : ' – | – | – |') : '';
      const failed = v.failed?.latencyMs ? ` (p50 ${num(v.failed.latencyMs.p50)} ms)` : '';
      const errors = load ? ` ${num(v.errors ?? 0)}${failed} |` : '';
      out.push(
        `| ${v.name} | ${num(v.opsPerSec.median)} | ${num(v.opsPerSec.min)}–${num(v.opsPerSec.max)} |${latency}${errors} ${r ? ratioText(r, true) : '1x (baseline)'} |`,
      );
    }
    out.push('');
  }
  return [...out, ...renderTail(result)].join('\n');
}

/** Measurements, facts and the headline: the same in both schema versions. */
function renderTail(result: Pick<BenchResultV1, 'measurements' | 'facts' | 'headline'>): string[] {
  const out: string[] = [];
  if (result.measurements.length > 0) {
    out.push('| measurement | median | range | samples |', '|---|---:|---:|---:|');
    for (const x of result.measurements) {
      out.push(
        `| ${x.title} | ${num(x.summary.median)} ${x.unit} | ${num(x.summary.min)}–${num(x.summary.max)} ${x.unit} | ${x.summary.samples} |`,
      );
    }
    out.push('');
  }
  if (result.facts.length > 0) {
    out.push('| fact | value |', '|---|---:|');
    for (const f of result.facts)
      out.push(`| ${f.title} | ${typeof f.value === 'number' ? num(f.value) : f.value}${f.unit ? ` ${f.unit}` : ''} |`);
    out.push('');
  }
  out.push(`Headline: ${result.headline}`);
  return out;
}

function renderV1(result: BenchResultV1): string {
  const ratio = (r: { median: number; min: number; max: number }): string =>
    `**${num(r.median)}x** (${num(r.min)}–${num(r.max)})`;
  const out: string[] = [];
  const svc = servicesLine(result);
  out.push(
    `Measured ${result.date.slice(0, 10)} with \`${result.command}\` on ${machineLine(result)}${svc ? `; ${svc}` : ''}.`,
  );
  out.push(parametersLine(result), '');
  for (const c of result.comparisons) {
    const load = c.kind === 'load';
    out.push(
      `**${c.title}** (${c.rounds} interleaved rounds${load ? `, ${c.concurrency} concurrent callers` : ''})`,
      '',
    );
    out.push(
      `| variant | ops/s (median) | ops/s range |${load ? ' p50 ms | p95 ms | p99 ms | errors |' : ''} vs ${c.baseline} |`,
    );
    out.push(`|---|---:|---:|${load ? '---:|---:|---:|---:|' : ''}---:|`);
    for (const v of c.variants) {
      const r = c.ratios.find((x) => x.variant === v.name);
      const lat = v.latencyMs
        ? ` ${num(v.latencyMs.p50)} | ${num(v.latencyMs.p95)} | ${num(v.latencyMs.p99)} | ${v.errors} |`
        : '';
      out.push(
        `| ${v.name} | ${num(v.opsPerSec.median)} | ${num(v.opsPerSec.min)}–${num(v.opsPerSec.max)} |${load ? lat : ''} ${r ? ratio(r) : '1x (baseline)'} |`,
      );
    }
    out.push('');
  }
  return [...out, ...renderTail(result)].join('\n');
}
