// Throwaway workspaces for the tests: a pnpm-workspace.yaml and POC packages written from code, in a
// temporary directory each test removes. A "good" POC meets the whole standard; each test breaks one thing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  benchResultSchema,
  medianInterval,
  renderMarkdown,
  resolveHeadline,
  sourceHash,
  summarize,
  type BenchResultV1,
  type BenchResultV2,
} from '@poc/harness/bench';
import { README_SECTIONS } from '../src/readme.ts';

const machine = { cpuModel: 'AMD EPYC', cores: 2, memoryGiB: 23.5, os: 'Linux 6.18', node: 'v20.20.2' };

/** A current (schema 2) result: raw samples, intervals, a templated headline, the package's source hash. */
export function resultV2(pkgName: string, title: string, hash: string): BenchResultV2 {
  const naive = [100, 104, 98, 101, 99];
  const ratios = [9.1, 9.5, 9.8, 9.3, 9.6];
  const r = summarize(ratios);
  const draft = {
    schemaVersion: 2 as const,
    package: pkgName,
    date: '2026-11-30T10:00:10.000Z',
    command: `pnpm --filter ${pkgName} bench`,
    machine,
    services: { redis: { provider: 'local', version: '7.0.15' } },
    parameters: { ops: 10 },
    comparisons: [
      {
        id: 'contended',
        title: 'Contended',
        kind: 'throughput' as const,
        baseline: 'naive',
        rounds: 5,
        variants: [
          { name: 'naive', opsPerSec: summarize(naive), errors: 0 },
          { name: 'pattern', opsPerSec: summarize(naive.map((x, i) => x * ratios[i]!)), errors: 0 },
        ],
        ratios: [
          {
            variant: 'pattern',
            baseline: 'naive',
            median: r.median,
            min: r.min,
            max: r.max,
            values: ratios,
            interval: medianInterval(ratios),
          },
        ],
      },
    ],
    measurements: [],
    facts: [],
    run: {
      profile: 'full' as const,
      startedAt: '2026-11-30T10:00:00.000Z',
      finishedAt: '2026-11-30T10:00:10.000Z',
      durationMs: 10_000,
      loadAverage: {
        start: [0.2, 0.3, 0.3] as [number, number, number],
        end: [1.1, 0.5, 0.4] as [number, number, number],
        cores: 2,
        tooHigh: false,
      },
      git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
      sourceHash: hash,
      lock: { acquiredAt: '2026-11-30T09:59:58.000Z', waitedMs: 0, settleMs: 1_000, quiet: true },
      session: null,
      servers: { redis: 'own' as const },
    },
  };
  const template = `${title}: measured {ratio:contended/pattern}`;
  return benchResultSchema.parse({
    ...draft,
    headline: resolveHeadline(template, draft),
    headlineSource: 'template',
    headlineTemplate: template,
    headlineRatio: { comparison: 'contended', variant: 'pattern' },
  }) as BenchResultV2;
}

/** A schema 1 result, as every bench wrote before raw samples: summaries only, no source hash. */
export function resultV1(pkgName: string, title: string): BenchResultV1 {
  return {
    schemaVersion: 1,
    package: pkgName,
    date: '2026-11-20T10:00:00.000Z',
    command: `pnpm --filter ${pkgName} bench`,
    machine,
    services: { redis: { provider: 'local', version: '7.0.15' } },
    parameters: { ops: 10 },
    comparisons: [
      {
        id: 'contended',
        title: 'Contended',
        kind: 'throughput',
        baseline: 'naive',
        rounds: 3,
        variants: [
          { name: 'naive', opsPerSec: { median: 100, min: 98, max: 104, iqr: 3, samples: 3 }, errors: 0 },
          { name: 'pattern', opsPerSec: { median: 950, min: 910, max: 980, iqr: 30, samples: 3 }, errors: 0 },
        ],
        ratios: [{ variant: 'pattern', baseline: 'naive', median: 9.5, min: 9.1, max: 9.8 }],
      },
    ],
    measurements: [],
    facts: [],
    headline: `${title}: measured 9.5x`,
  };
}

export interface Fixture {
  root: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  close(): void;
}

export function workspace(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'catalog-test-'));
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write('pnpm-workspace.yaml', 'packages:\n  - packages/*/*\n  - apps/*\n');
  return {
    root,
    write,
    remove: (rel) => rmSync(join(root, rel), { recursive: true, force: true }),
    close: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function readme(title: string, skip: string[] = []): string {
  const sections = README_SECTIONS.filter((s) => !skip.includes(s.id))
    .map(
      (s) =>
        `## ${s.heading}\n\nText about ${s.heading.toLowerCase()}.${s.id === 'trade-offs' ? '\n\nProduction checklist:\n\n- [ ] monitor it' : ''}${s.id === 'related-pocs' ? '\n\n- [poc-redis-other](../other)' : ''}\n`,
    )
    .join('\n');
  return `# ${title}\n\n**What you'll build:** a ${title.toLowerCase()} that searches well.\n\n${sections}`;
}

export interface PocOptions {
  meta?: Record<string, unknown>;
  /** Replace the whole poc block (undefined removes it). */
  poc?: Record<string, unknown> | null;
  readme?: string | null;
  bench?: boolean;
  /** The result file: a current v2 one by default, 'v1' for an old one, an object as given, null for none. */
  results?: Record<string, unknown> | 'v1' | null;
  /** Put the table rendered from the result into the README's "Measured" section (default true). */
  measuredTable?: boolean;
  tests?: boolean;
}

/** Writes packages/<series>/<name> as a finished POC, then applies the options that break it. */
export function addPoc(f: Fixture, series: string, name: string, o: PocOptions = {}): string {
  const dir = `packages/${series}/${name}`;
  const pkgName = `poc-${series}-${name}`;
  const title = `${series} ${name}`.replace(/-/g, ' ');
  const poc =
    o.poc === null
      ? undefined
      : (o.poc ?? {
          number: 1,
          title,
          series,
          summary: `Shows ${title} against a real server, with the naive version failing.`,
          services: ['redis'],
          concepts: [name, 'atomicity'],
          related: ['poc-redis-other'],
          claim: `${title} is 10x faster than naive`,
          ...o.meta,
        });
  const pkg = {
    name: pkgName,
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: { test: 'vitest run', bench: `tsx bench/${name}.bench.ts`, demo: 'tsx src/demo.ts' },
    ...(poc ? { poc } : {}),
  };
  f.write(`${dir}/package.json`, JSON.stringify(pkg, null, 2));
  f.write(`${dir}/src/index.ts`, 'export const x = 1;\n');
  f.write(`${dir}/src/demo.ts`, 'console.log(1);\n');
  if (o.tests !== false) f.write(`${dir}/test/${name}.test.ts`, '// a test\n');
  if (o.bench !== false) f.write(`${dir}/bench/${name}.bench.ts`, '// a bench\n');
  let result: Record<string, unknown> | undefined;
  if (o.results !== null) {
    result =
      o.results === 'v1'
        ? resultV1(pkgName, title)
        : (o.results ?? resultV2(pkgName, title, sourceHash(join(f.root, dir))));
    f.write(`${dir}/bench/results.json`, JSON.stringify(result));
  }
  if (o.readme !== null) {
    let text = o.readme ?? readme(title);
    const parsed = result ? benchResultSchema.safeParse(result) : undefined;
    if (o.measuredTable !== false && parsed?.success)
      text = text.replace(/^## Measured\s*$/m, (h) => `${h}\n\n${renderMarkdown(parsed.data)}\n`);
    f.write(`${dir}/README.md`, text);
  }
  return dir;
}
