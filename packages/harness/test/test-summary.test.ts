import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testSummary } from '../src/cli/test-summary.ts';

/** A workspace with a turbo run summary and, per package, a Vitest JSON report (or none). */
function workspace(
  packages: Record<string, { cache: 'HIT' | 'MISS'; report?: { passed: number; failed: number } }>,
): string {
  const root = mkdtempSync(join(tmpdir(), 'summary-'));
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
  const tasks = Object.entries(packages).map(([dir, p]) => {
    if (p.report) {
      mkdirSync(join(root, dir, 'test-results'), { recursive: true });
      const failed = Array.from({ length: p.report.failed }, (_, i) => ({
        fullName: `suite > case ${i}`,
        status: 'failed',
        failureMessages: [`AssertionError: expected ${i} to be 42\n    at test.ts:1:1`],
      }));
      const r = {
        numPassedTests: p.report.passed,
        numFailedTests: p.report.failed,
        numPendingTests: 0,
        numTodoTests: 0,
        testResults: [
          {
            name: join(root, dir, 'test', 'x.test.ts'),
            status: failed.length ? 'failed' : 'passed',
            assertionResults: failed,
          },
        ],
      };
      writeFileSync(join(root, dir, 'test-results', 'vitest.json'), JSON.stringify(r));
    }
    return { task: 'test', directory: dir, cache: { status: p.cache } };
  });
  tasks.push({ task: 'lint', directory: 'packages/a', cache: { status: 'MISS' } });
  mkdirSync(join(root, '.turbo', 'runs'), { recursive: true });
  writeFileSync(join(root, '.turbo', 'runs', 'run.json'), JSON.stringify({ tasks }));
  return root;
}

const run = (root: string): { code: number; lines: string[] } => {
  const lines: string[] = [];
  const code = testSummary(0, root, (l) => lines.push(l));
  return { code, lines };
};

describe('test-summary', () => {
  it('counts test tasks replayed from turbo’s cache like fresh ones', () => {
    const r = run(
      workspace({
        'packages/a': { cache: 'HIT', report: { passed: 5, failed: 0 } },
        'packages/b': { cache: 'MISS', report: { passed: 3, failed: 0 } },
      }),
    );
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toBe('Tests: 8 passed, 0 failed');
  });

  it('fails on a failed test and names the package', () => {
    const r = run(workspace({ 'packages/a': { cache: 'MISS', report: { passed: 4, failed: 1 } } }));
    expect(r.code).toBe(1);
    expect(r.lines).toContain('failing packages: packages/a');
    expect(r.lines).toContain('  ✗ packages/a/test/x.test.ts > suite > case 0: AssertionError: expected 0 to be 42');
    expect(r.lines.at(-1)).toBe('Tests: 4 passed, 1 failed');
  });

  it('fails when a tested package left no report, or no turbo summary exists', () => {
    const r = run(
      workspace({ 'packages/a': { cache: 'MISS' }, 'packages/b': { cache: 'MISS', report: { passed: 2, failed: 0 } } }),
    );
    expect(r.code).toBe(1);
    expect(r.lines).toContain('no test report from: packages/a');
    const empty = mkdtempSync(join(tmpdir(), 'summary-'));
    writeFileSync(join(empty, 'pnpm-workspace.yaml'), 'packages: []\n');
    expect(run(empty).code).toBe(1);
  });
});
