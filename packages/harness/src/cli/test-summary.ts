// Sums the Vitest JSON reports of the test tasks of the last turbo run and prints the closing line
// CI reads: "Tests: N passed, N failed". Which packages were tested comes from turbo's own run
// summary (`turbo run ... --summarize`), so a task restored from turbo's cache counts as it should.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { workspaceRoot } from './workspace.ts';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

/** One line per failed test (or failed file, when a hook or import failed): where, what, and the
 * first line of the error, so the tail of a CI log says what broke without the full output. */
function failureLines(root: string, r: VitestJson): string[] {
  const lines: string[] = [];
  const firstLine = (text = ''): string => {
    const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  };
  for (const file of r.testResults ?? []) {
    const where = relative(root, file.name);
    const failed = file.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failed) lines.push(`  ✗ ${where} > ${a.fullName}: ${firstLine(a.failureMessages[0])}`);
    if (failed.length === 0 && file.status === 'failed') lines.push(`  ✗ ${where}: ${firstLine(file.message)}`);
  }
  return lines;
}

interface TurboRunSummary {
  tasks: Array<{ task: string; directory: string; cache: { status: string } }>;
}

/** The newest turbo run summary written since `sinceEpochSeconds`, if any. */
function lastRun(root: string, sinceEpochSeconds: number): TurboRunSummary | undefined {
  const dir = join(root, '.turbo', 'runs');
  if (!existsSync(dir)) return undefined;
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .filter((x) => x.t >= sinceEpochSeconds * 1_000 - 1_000)
    .sort((a, b) => b.t - a.t)[0];
  return newest ? (JSON.parse(readFileSync(join(dir, newest.f), 'utf8')) as TurboRunSummary) : undefined;
}

/** Returns the exit code: non-zero when a test failed, a report is missing, or no test ran at all. */
export function testSummary(
  sinceEpochSeconds: number,
  root = workspaceRoot(),
  log: (line: string) => void = console.log,
): number {
  const run = lastRun(root, sinceEpochSeconds);
  if (!run) {
    log('no turbo run summary from this run (was turbo called with --summarize?)');
    return 1;
  }
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let cached = 0;
  const failing: string[] = [];
  const missing: string[] = [];
  const failures: string[] = [];
  for (const task of run.tasks.filter((t) => t.task === 'test')) {
    const file = join(root, task.directory, 'test-results', 'vitest.json');
    if (!existsSync(file)) {
      missing.push(task.directory);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    if (task.cache.status === 'HIT') cached++;
    if (r.numFailedTests > 0) failing.push(task.directory);
    failures.push(...failureLines(root, r));
  }
  if (failing.length > 0) log(`failing packages: ${failing.join(', ')}`);
  for (const line of failures) log(line);
  if (missing.length > 0) log(`no test report from: ${missing.join(', ')}`);
  if (cached > 0) log(`(${cached} package(s) replayed from turbo's cache: same inputs, same Node major)`);
  log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0;
}
