// Throwaway workspaces for the tests: a pnpm-workspace.yaml and POC packages written from code, in a
// temporary directory each test removes. A "good" POC meets the whole standard; each test breaks one thing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { README_SECTIONS } from '../src/readme.ts';

const lockResult = JSON.parse(
  readFileSync(new URL('../../../packages/redis/lock/bench/results.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

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
  results?: Record<string, unknown> | null;
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
  if (o.readme !== null) f.write(`${dir}/README.md`, o.readme ?? readme(title));
  if (o.results !== null)
    f.write(
      `${dir}/bench/results.json`,
      JSON.stringify(o.results ?? { ...lockResult, package: pkgName, headline: `${title}: measured 9.5x` }),
    );
  return dir;
}
