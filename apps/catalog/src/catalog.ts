// The machine-readable catalog (dist/catalog.json): one entry per POC or system, status derived by
// validate.ts, the measured headline next to the roadmap's claim, and the commands to run it.
import { noClearDifference, type BenchResult } from '@poc/harness/bench';
import { SERIES, SYSTEMS } from './schema.ts';
import type { Issue, PocRecord, Status, WorkspaceReport } from './validate.ts';

export interface CatalogEntry {
  name: string;
  /** What `pnpm poc <short>` accepts: the name without "poc-". */
  short: string;
  dir: string;
  kind: 'poc' | 'system';
  series: string;
  number: number | null;
  title: string;
  summary: string;
  whatYoullBuild: string | null;
  services: string[];
  concepts: string[];
  related: { name: string; inCatalog: boolean }[];
  claim: string | null;
  status: Status;
  commands: { run: string; demo: string; test: string; bench: string };
  measured: {
    headline: string;
    date: string;
    command: string;
    machine: string;
    services: string;
    /** Result file schema: 1 keeps summaries only ("no raw samples"), 2 every sample and its provenance. */
    schemaVersion: 1 | 2;
    rawSamples: boolean;
    /** Why the result is older than its code, or null when it is current. */
    stale: string | null;
    /** Load too high, errors counted, short profile...: see @poc/harness resultFlags. */
    flags: string[];
    comparisons: {
      id: string;
      title: string;
      baseline: string;
      ratios: {
        variant: string;
        median: number;
        min: number;
        max: number;
        /** Confidence interval of the median ratio (version 2), or null. */
        interval: { low: number; high: number; confidence: number } | null;
        /** The interval straddles 1.0: published as "no clear difference", not as a point. */
        noClearDifference: boolean;
      }[];
    }[];
  } | null;
  issues: Issue[];
}

export interface Catalog {
  schemaVersion: 1;
  generatedAt: string;
  series: { id: string; total: number; done: number }[];
  services: string[];
  concepts: string[];
  counts: { total: number; done: number; inProgress: number; errors: number; warnings: number; stale: number };
  pocs: CatalogEntry[];
}

const machineLine = (b: BenchResult): string =>
  `${b.machine.cores} × ${b.machine.cpuModel}, ${b.machine.memoryGiB} GiB, ${b.machine.os}, Node ${b.machine.node}`;

export function shortName(name: string): string {
  return name.replace(/^poc-/, '').replace(/^@poc\//, '');
}

export function toEntry(p: PocRecord, names: ReadonlySet<string>): CatalogEntry {
  const short = shortName(p.name);
  const b = p.bench;
  return {
    name: p.name,
    short,
    dir: p.dir,
    kind: p.kind,
    series: p.series,
    number: p.meta?.number ?? null,
    title: p.meta?.title ?? p.readme?.title ?? p.name,
    summary: p.meta?.summary ?? '',
    whatYoullBuild: p.readme?.whatYoullBuild ?? null,
    services: p.meta?.services ?? [],
    concepts: p.meta?.concepts ?? [],
    related: (p.meta?.related ?? []).map((name) => ({ name, inCatalog: names.has(name) })),
    claim: p.meta?.claim ?? null,
    status: p.status,
    commands: {
      run: `pnpm poc ${short}`,
      demo: `pnpm --filter ${p.name} demo`,
      test: `pnpm --filter ${p.name} test`,
      bench: `pnpm --filter ${p.name} bench`,
    },
    measured: b
      ? {
          headline: b.headline,
          date: b.date,
          command: b.command,
          machine: machineLine(b),
          services: Object.entries(b.services)
            .map(([s, v]) => `${s} ${v.version} (${v.provider})`)
            .join(', '),
          schemaVersion: b.schemaVersion,
          rawSamples: b.schemaVersion === 2,
          stale: p.benchState?.stale ?? null,
          flags: p.benchState?.flags ?? [],
          comparisons: b.comparisons.map((c) => ({
            id: c.id,
            title: c.title,
            baseline: c.baseline,
            ratios: c.ratios.map((r) => ({
              variant: r.variant,
              median: r.median,
              min: r.min,
              max: r.max,
              interval: r.interval
                ? { low: r.interval.low, high: r.interval.high, confidence: r.interval.confidence }
                : null,
              noClearDifference: noClearDifference(r),
            })),
          })),
        }
      : null,
    issues: p.issues,
  };
}

export function buildCatalog(report: WorkspaceReport, now = new Date()): Catalog {
  const names = new Set(report.pocs.map((p) => p.name));
  const pocs = report.pocs.map((p) => toEntry(p, names));
  const seriesIds = [...SERIES, SYSTEMS].filter((s) => s !== SYSTEMS || pocs.some((p) => p.series === SYSTEMS));
  const done = pocs.filter((p) => p.status === 'done').length;
  return {
    schemaVersion: 1,
    generatedAt: now.toISOString(),
    series: seriesIds.map((id) => ({
      id,
      total: pocs.filter((p) => p.series === id).length,
      done: pocs.filter((p) => p.series === id && p.status === 'done').length,
    })),
    services: [...new Set(pocs.flatMap((p) => p.services))].sort(),
    concepts: [...new Set(pocs.flatMap((p) => p.concepts))].sort(),
    counts: {
      total: pocs.length,
      done,
      inProgress: pocs.length - done,
      errors: report.errors,
      warnings: report.warnings,
      stale: pocs.filter((p) => p.measured?.stale).length,
    },
    pocs,
  };
}
