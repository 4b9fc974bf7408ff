import { execFileSync } from 'node:child_process';
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
    expect(p.issues.map((i) => [i.level, i.field, i.message])).toEqual([
      ['todo', 'poc.concepts[0]', 'still a placeholder: "todo"'],
      ['todo', 'poc.claim', 'still a placeholder: "TODO: the claim"'],
      ['todo', 'readme.todo', expect.stringMatching(/^2 TODO markers left: lines \d+, \d+$/)],
      ['todo', 'src.todo', '1 TODO marker left: src/index.ts:2'],
    ]);
    expect(validateCli(f.root).status).toBe(0);
  });
});

describe('status', () => {
  it('is done only with no issue at all; a missing bench result alone keeps it in progress', () => {
    expect(deriveStatus([])).toBe('done');
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
