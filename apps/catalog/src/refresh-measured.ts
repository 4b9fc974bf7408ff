// pnpm --filter @poc/catalog refresh-measured: after a bench run, puts each POC's rendered results (the
// table `pnpm poc <name> --measured` prints) into its README, between the marker lines of its "Measured"
// section. Only the block between the markers changes; the commentary around it is the author's.
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readResult, renderMarkdown } from '@poc/harness/bench';
import { workspaceRoot } from '@poc/harness/workspace';
import { validateWorkspace } from './validate.ts';

export const MEASURED_START = '<!-- measured:start -->';
export const MEASURED_END = '<!-- measured:end -->';

/** The README with the block between the markers replaced; undefined when it has no (or broken) markers. */
export function withMeasured(readme: string, rendered: string): string | undefined {
  const start = readme.indexOf(MEASURED_START);
  const end = readme.indexOf(MEASURED_END);
  if (start === -1 || end === -1 || end < start || readme.indexOf(MEASURED_START, start + 1) !== -1) return undefined;
  return `${readme.slice(0, start + MEASURED_START.length)}\n\n${rendered.trim()}\n\n${readme.slice(end)}`;
}

/** Refreshes every README that has markers and a result; returns one line per POC. */
export function refreshAll(root: string): string[] {
  const lines: string[] = [];
  for (const poc of validateWorkspace(root).pocs) {
    const dir = isAbsolute(poc.dir) ? poc.dir : join(root, poc.dir);
    const result = readResult(dir);
    if (!result) {
      lines.push(`- ${poc.name}: no bench/results.json`);
      continue;
    }
    const file = join(dir, 'README.md');
    const readme = readFileSync(file, 'utf8');
    const next = withMeasured(readme, renderMarkdown(result));
    if (next === undefined) lines.push(`! ${poc.name}: README has no ${MEASURED_START} … ${MEASURED_END} block`);
    else if (next === readme) lines.push(`= ${poc.name}: up to date`);
    else {
      writeFileSync(file, next);
      lines.push(`✓ ${poc.name}: Measured section refreshed`);
    }
  }
  return lines;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  for (const line of refreshAll(workspaceRoot(process.argv[2] ?? process.cwd()))) console.log(line);
}
