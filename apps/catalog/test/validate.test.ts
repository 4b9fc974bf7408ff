import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveStatus, validateWorkspace, type PocRecord } from '../src/validate.ts';
import { addPoc, readme, workspace, type Fixture } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.close());

const issuesOf = (p: PocRecord | undefined): string[] => (p?.issues ?? []).map((i) => `${i.level} ${i.field}`);
const only = (name: string): PocRecord => {
  const p = validateWorkspace(f.root).pocs.find((x) => x.name === name);
  expect(p, name).toBeDefined();
  return p!;
};

const validateCli = (root: string): { status: number; stdout: string } => {
  const script = fileURLToPath(new URL('../src/validate-cli.ts', import.meta.url));
  try {
    return {
      status: 0,
      stdout: execFileSync(process.execPath, ['--import', 'tsx', script, root], { encoding: 'utf8' }),
    };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { status: err.status, stdout: err.stdout };
  }
};

describe('validation', () => {
  it('accepts a POC that meets the standard, and calls it done', () => {
    f = workspace();
    addPoc(f, 'redis', 'good');
    const report = validateWorkspace(f.root);
    expect(report.errors).toBe(0);
    expect(report.pocs.map((p) => [p.name, p.status, p.issues])).toEqual([['poc-redis-good', 'done', []]]);
    expect(validateCli(f.root).status).toBe(0);
  });

  it('names the package and the field of a missing metadata field', () => {
    f = workspace();
    addPoc(f, 'redis', 'good');
    addPoc(f, 'redis', 'nosummary', { meta: { summary: undefined } });
    expect(issuesOf(only('poc-redis-nosummary'))).toEqual(['error poc.summary']);
    expect(only('poc-redis-nosummary').status).toBe('in progress');
  });

  it('names the field of a value of the wrong type, an unknown key and a missing poc block', () => {
    f = workspace();
    addPoc(f, 'redis', 'wrongtype', { meta: { services: 'redis', number: 'three' } });
    addPoc(f, 'redis', 'typo', { meta: { sumary: 'misspelt' } });
    addPoc(f, 'redis', 'nopoc', { poc: null });
    addPoc(f, 'redis', 'elsewhere', { meta: { series: 'postgres' } });
    expect(issuesOf(only('poc-redis-wrongtype')).sort()).toEqual(['error poc.number', 'error poc.services']);
    expect(only('poc-redis-typo').issues[0]).toMatchObject({
      field: 'poc',
      message: expect.stringContaining('sumary'),
    });
    expect(issuesOf(only('poc-redis-nopoc'))).toEqual(['error poc']);
    expect(issuesOf(only('poc-redis-elsewhere'))).toEqual(['error poc.series']);
  });

  it('reports missing and misordered README sections', () => {
    f = workspace();
    addPoc(f, 'redis', 'nobreak', { readme: readme('No break', ['break-it']) });
    const swapped = readme('Swapped')
      .replace('## Measured', '## Tmp')
      .replace('## Break it', '## Measured')
      .replace('## Tmp', '## Break it');
    addPoc(f, 'redis', 'swapped', { readme: swapped });
    addPoc(f, 'redis', 'noreadme', { readme: null });
    expect(issuesOf(only('poc-redis-nobreak'))).toEqual(['error readme.break-it']);
    expect(only('poc-redis-nobreak').issues[0]!.message).toBe('missing section "## Break it"');
    expect(issuesOf(only('poc-redis-swapped'))).toEqual(['error readme.measured']);
    expect(issuesOf(only('poc-redis-noreadme'))).toEqual(['error README.md']);
  });

  it('reports a POC with no tests or no bench', () => {
    f = workspace();
    addPoc(f, 'redis', 'nobench', { bench: false });
    addPoc(f, 'redis', 'notests', { tests: false });
    expect(issuesOf(only('poc-redis-nobench'))).toEqual(['error scripts.bench', 'error bench']);
    expect(issuesOf(only('poc-redis-notests'))).toEqual(['error test']);
  });

  it('checks bench/results.json with the harness schema', () => {
    f = workspace();
    addPoc(f, 'redis', 'badresult', { results: { schemaVersion: 1, package: 'poc-redis-badresult' } });
    const fields = issuesOf(only('poc-redis-badresult'));
    expect(fields).toContain('error bench/results.json.date');
    expect(fields).toContain('error bench/results.json.headline');
  });

  it('exits non-zero and prints package and field for each error', () => {
    f = workspace();
    addPoc(f, 'redis', 'good');
    addPoc(f, 'redis', 'broken', {
      meta: { summary: undefined },
      readme: readme('Broken', ['measured']),
      bench: false,
    });
    const { status, stdout } = validateCli(f.root);
    expect(status).toBe(1);
    expect(stdout).toContain('error  poc-redis-broken  poc.summary:');
    expect(stdout).toContain('error  poc-redis-broken  readme.measured: missing section "## Measured"');
    expect(stdout).toContain('error  poc-redis-broken  bench: no bench files');
    expect(stdout).toContain('✓ poc-redis-good (packages/redis/good): done');
  });

  it('lists apps with a poc block as systems and skips shared libraries', () => {
    f = workspace();
    addPoc(f, 'redis', 'good');
    f.write('apps/tool/package.json', JSON.stringify({ name: '@poc/tool', private: true, type: 'module' }));
    f.write('packages/shared/lib/package.json', JSON.stringify({ name: '@poc/lib', private: true, type: 'module' }));
    f.write(
      'apps/high-traffic-api/package.json',
      JSON.stringify({
        name: '@poc/high-traffic-api',
        private: true,
        type: 'module',
        scripts: { test: 'vitest run', bench: 'tsx bench/api.bench.ts', demo: 'tsx src/demo.ts' },
        poc: {
          title: 'High-traffic API',
          series: 'systems',
          summary: 'A rate limiter, a cache and a lock composed into one API.',
          services: [],
          concepts: ['composition'],
          related: ['poc-redis-good'],
          claim: 'composes',
        },
      }),
    );
    const names = validateWorkspace(f.root).pocs.map((p) => [p.name, p.series, p.kind]);
    expect(names).toEqual([
      ['poc-redis-good', 'redis', 'poc'],
      ['@poc/high-traffic-api', 'systems', 'system'],
    ]);
  });
  it('reports TODO markers left in package.json, the README and the code as todos: in progress, not failing', () => {
    f = workspace();
    const dir = addPoc(f, 'redis', 'todos', { meta: { claim: 'TODO: the claim', concepts: ['todo', 'lua'] } });
    f.write(`${dir}/README.md`, readme('Todos').replace('Text about break it.', 'TODO: break it\n\nTODO: and more'));
    f.write(`${dir}/src/index.ts`, 'export const x = 1;\n// TODO: the pattern\n');
    const p = only('poc-redis-todos');
    expect(p.status).toBe('in progress');
    // (Rewriting src/ and the README also makes the bench result stale and its table missing: warnings, tested below.)
    expect(p.issues.filter((i) => i.level !== 'warning').map((i) => [i.level, i.field, i.message])).toEqual([
      ['todo', 'poc.concepts[0]', 'still a placeholder: "todo"'],
      ['todo', 'poc.claim', 'still a placeholder: "TODO: the claim"'],
      ['todo', 'readme.todo', expect.stringMatching(/^2 TODO markers left: lines \d+, \d+$/)],
      ['todo', 'src.todo', '1 TODO marker left: src/index.ts:2'],
    ]);
    expect(validateCli(f.root).status).toBe(0);
  });
});

describe('bench results', () => {
  const warnings = (p: PocRecord): string[] => p.issues.filter((i) => i.level === 'warning').map((i) => i.field);

  it('flags a version 1 result as having no raw samples and as stale (no source hash), without failing', () => {
    f = workspace();
    addPoc(f, 'redis', 'old', { results: 'v1' });
    const p = only('poc-redis-old');
    expect(warnings(p)).toEqual(['bench/results.json', 'bench/results.json.run.sourceHash']);
    expect(p.issues.map((i) => i.message).join('\n')).toMatch(
      /no raw samples: a schema version 1 result keeps summaries only/,
    );
    expect(p.issues.map((i) => i.message).join('\n')).toMatch(/stale: no source hash/);
    expect(p.status).toBe('done');
    expect(p.benchState).toEqual({ stale: 'no source hash', flags: ['v1: no raw samples', 'stale: no source hash'] });
    const { status, stdout } = validateCli(f.root);
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^ {4}warn {3}poc-redis-old {2}bench\/results\.json\.run\.sourceHash: stale: no source hash/m,
    );
    expect(stdout).toContain(
      '1 packages: 1 done, 0 in progress; 0 error(s) in 0 package(s); 2 warning(s); 1 stale bench result(s)',
    );
  });

  it('shows a result as stale once src/ or bench/ changed after it was measured', () => {
    f = workspace();
    const dir = addPoc(f, 'redis', 'fresh');
    expect(warnings(only('poc-redis-fresh'))).toEqual([]);
    f.write(`${dir}/bench/fresh.bench.ts`, '// a bench, changed\n');
    const p = only('poc-redis-fresh');
    expect(warnings(p)).toEqual(['bench/results.json.run.sourceHash']);
    expect(p.issues[0]!.message).toMatch(
      /^stale: src\/ or bench\/ changed since this result was measured \(2026-11-30, commit 0123456789ab\); re-run `pnpm --filter poc-redis-fresh bench`$/,
    );
    expect(p.benchState!.stale).toBe('src/ or bench/ changed since it was measured');
    // README and bench/results.json are not part of the hash.
    f.write(`${dir}/bench/fresh.bench.ts`, '// a bench\n');
    f.write(`${dir}/README.md`, `${readFileSync(join(f.root, dir, 'README.md'), 'utf8')}\nMore.\n`);
    expect(warnings(only('poc-redis-fresh'))).toEqual([]);
  });

  it("checks that the README's Measured section holds the table rendered from the current result", () => {
    f = workspace();
    addPoc(f, 'redis', 'typed', { measuredTable: false });
    const p = only('poc-redis-typed');
    expect(warnings(p)).toEqual(['readme.measured']);
    expect(p.issues[0]!.message).toMatch(
      /^does not contain the table rendered from bench\/results.json \(first line missing: "Measured 2026-11-30 with .*"\); paste the output of `pnpm poc redis-typed --measured`$/,
    );
  });

  it('flags a loaded machine, a short run, a typed headline, a headline that is not its template, and hand-built comparisons', () => {
    f = workspace();
    const dir = addPoc(f, 'redis', 'flags');
    const file = join(f.root, dir, 'bench/results.json');
    const r = JSON.parse(readFileSync(file, 'utf8'));
    r.run.loadAverage = { ...r.run.loadAverage, start: [2.5, 1, 1], tooHigh: true };
    r.run.profile = 'short';
    r.headline = 'typed over: measured 12x';
    delete r.comparisons[0].ratios[0].values;
    f.write(`${dir}/bench/results.json`, JSON.stringify(r));
    const p = only('poc-redis-flags');
    expect(warnings(p)).toEqual([
      'bench/results.json.run.loadAverage',
      'bench/results.json.run.profile',
      'bench/results.json.comparisons[0]',
      'bench/results.json.headline',
      'readme.measured',
    ]);
    expect(p.issues.find((i) => i.field.endsWith('.headline'))!.message).toMatch(
      /^does not match its template resolved against the stored figures: "redis flags: measured 9.50x \(9.10–9.80, 93.7% CI\)"$/,
    );
    expect(p.benchState!.flags).toEqual(['load too high at start (2.5 on 2 cores)', 'short profile']);
    r.headlineSource = 'typed';
    delete r.headlineTemplate;
    f.write(`${dir}/bench/results.json`, JSON.stringify(r));
    expect(only('poc-redis-flags').issues.find((i) => i.field.endsWith('.headline'))!.message).toMatch(
      /^typed, not computed/,
    );
  });

  it("judges the load at start only: the end includes the bench's own client and servers", () => {
    f = workspace();
    const dir = addPoc(f, 'redis', 'busy');
    const file = join(f.root, dir, 'bench/results.json');
    const r = JSON.parse(readFileSync(file, 'utf8'));
    // Written by the older rule (start or end): a quiet start, then the bench itself kept both cores busy.
    r.run.loadAverage = { ...r.run.loadAverage, start: [0.4, 0.3, 0.2], end: [2.6, 1.2, 0.5], tooHigh: true };
    f.write(`${dir}/bench/results.json`, JSON.stringify(r));
    const p = only('poc-redis-busy');
    expect(warnings(p)).not.toContain('bench/results.json.run.loadAverage');
    expect(p.benchState!.flags).toEqual([]);
  });
});

describe('status', () => {
  it('is done only with no issue but warnings; a missing bench result alone keeps it in progress', () => {
    expect(deriveStatus([])).toBe('done');
    expect(deriveStatus([{ field: 'bench/results.json.run.sourceHash', message: 'stale', level: 'warning' }])).toBe(
      'done',
    );
    expect(deriveStatus([{ field: 'bench/results.json', message: 'no result', level: 'todo' }])).toBe('in progress');
    expect(deriveStatus([{ field: 'poc.title', message: 'missing', level: 'error' }])).toBe('in progress');
  });

  it('is derived from the files, not from anything the package says', () => {
    f = workspace();
    addPoc(f, 'redis', 'claims-done', { meta: { status: 'done' }, results: null });
    const p = only('poc-redis-claims-done');
    expect(p.status).toBe('in progress');
    expect(issuesOf(p)).toEqual(['error poc', 'todo bench/results.json']);
  });
});
