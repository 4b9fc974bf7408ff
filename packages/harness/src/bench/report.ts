// Collects a bench's comparisons, measurements and facts, prints them, and writes the result file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { requireArg } from '../errors.ts';
import { serverFor } from '../services/servers.ts';
import { benchResultSchema, type BenchResult, type Comparison, type Fact, type Measurement } from './schema.ts';

export interface BenchReportOptions {
  /** Parameters that shape the figures (ops, concurrency, TTLs ...), recorded with them. */
  parameters: Record<string, string | number | boolean>;
  /** Services the bench used; their provider and version go into the file. */
  services?: readonly string[];
  /** Package directory (default: the current directory, as `pnpm --filter X bench` runs it). */
  packageDir?: string;
}

export interface BenchReport {
  add(entry: Comparison | Measurement | Fact): void;
  /** Prints the tables, validates and writes <package>/bench/results.json, and returns what it wrote. */
  finish(headline: string): Promise<BenchResult>;
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
  return {
    add(entry) {
      if ('kind' in entry) comparisons.push(entry);
      else if ('summary' in entry) measurements.push(entry);
      else facts.push(entry);
    },
    async finish(headline) {
      requireArg(headline.trim().length > 0, 'headline', 'must be a non-empty sentence');
      const services: BenchResult['services'] = {};
      for (const name of options.services ?? []) {
        const s = await serverFor(name);
        services[name] = { provider: s.provider, version: s.version };
      }
      const result = benchResultSchema.parse({
        schemaVersion: 1,
        package: pkg.name,
        date: new Date().toISOString(),
        command: `pnpm --filter ${pkg.name} bench`,
        machine: machineInfo(),
        services,
        parameters: options.parameters,
        comparisons,
        measurements,
        facts,
        headline,
      });
      const file = resultFilePath(packageDir);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`\n${renderMarkdown(result)}\nwrote ${file}`);
      return result;
    },
  };
}

/** Reads and validates a package's result file; undefined when it has none. */
export function readResult(packageDir: string): BenchResult | undefined {
  let raw: string;
  try {
    raw = readFileSync(resultFilePath(packageDir), 'utf8');
  } catch {
    return undefined;
  }
  return benchResultSchema.parse(JSON.parse(raw));
}

const num = (n: number): string =>
  Number.isInteger(n) || Math.abs(n) >= 100
    ? Math.round(n).toLocaleString('en-US')
    : Math.abs(n) >= 10
      ? n.toFixed(1)
      : n.toFixed(2);
const ratio = (r: { median: number; min: number; max: number }): string =>
  `**${num(r.median)}x** (${num(r.min)}–${num(r.max)})`;

/** The result as Markdown tables: what a README's "Measured" section quotes. */
export function renderMarkdown(result: BenchResult): string {
  const out: string[] = [];
  const m = result.machine;
  const svc = Object.entries(result.services)
    .map(([k, v]) => `${k} ${v.version} (${v.provider})`)
    .join(', ');
  out.push(
    `Measured ${result.date.slice(0, 10)} with \`${result.command}\` on ${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}${svc ? `; ${svc}` : ''}.`,
  );
  out.push(
    `Parameters: ${
      Object.entries(result.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'none'
    }.`,
    '',
  );
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
  return out.join('\n');
}
