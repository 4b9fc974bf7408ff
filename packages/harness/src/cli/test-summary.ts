// Sums the Vitest JSON reports written (or restored from turbo's cache) during this run and prints
// the closing line CI reads: "Tests: N passed, N failed".
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { workspacePackageDirs, workspaceRoot } from './workspace.ts';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

/** Returns the exit code: non-zero when a test failed or no test ran at all. */
export function testSummary(sinceEpochSeconds: number): number {
  const root = workspaceRoot();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failing: string[] = [];
  for (const dir of workspacePackageDirs(root)) {
    const file = join(dir, 'test-results', 'vitest.json');
    // Reports older than this run belong to packages this run did not test.
    if (!existsSync(file) || statSync(file).mtimeMs < sinceEpochSeconds * 1_000 - 1_000) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    if (r.numFailedTests > 0) failing.push(relative(root, dir));
  }
  if (failing.length > 0) console.log(`failing packages: ${failing.join(', ')}`);
  console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 || passed === 0 ? 1 : 0;
}
