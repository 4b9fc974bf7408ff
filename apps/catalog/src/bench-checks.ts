// What the catalog says about a POC's bench result beyond its schema (POC_STANDARD.md §4): results
// without raw samples, results older than their code (stale), measured on a loaded machine or without
// the bench lock, headlines that are typed or do not match their template, and READMEs whose
// "Measured" section does not hold the table rendered from the current result. All are warnings for
// now: they do not fail validation, and `pnpm test` prints them.
import {
  renderMarkdown,
  resolveHeadline,
  resultFlags,
  loadWasHigh,
  sourceHash,
  type BenchResult,
} from '@poc/harness/bench';
import { measuredSection } from './readme.ts';

export interface BenchWarning {
  field: string;
  message: string;
}

export interface BenchState {
  /** Why the result is stale, or null when its stored source hash matches src/ and bench/ now. */
  stale: string | null;
  /** Short flags for the list, the page and the run summary (see @poc/harness resultFlags). */
  flags: string[];
  warnings: BenchWarning[];
}

const RESULT = 'bench/results.json';

export function checkBench(
  result: BenchResult,
  path: string,
  name: string,
  short: string,
  readme: string | undefined,
): BenchState {
  const warnings: BenchWarning[] = [];
  const warn = (field: string, message: string): void => void warnings.push({ field, message });
  const rerun = `re-run \`pnpm --filter ${name} bench\``;
  let stale: string | null = null;

  if (result.schemaVersion === 1) {
    stale = 'no source hash';
    warn(RESULT, `no raw samples: a schema version 1 result keeps summaries only; ${rerun} to record every sample`);
    warn(
      `${RESULT}.run.sourceHash`,
      `stale: no source hash (a version 1 result cannot tell whether src/ or bench/ changed since); ${rerun}`,
    );
  } else {
    const run = result.run;
    if (sourceHash(path) !== run.sourceHash) {
      stale = 'src/ or bench/ changed since it was measured';
      warn(
        `${RESULT}.run.sourceHash`,
        `stale: src/ or bench/ changed since this result was measured (${result.date.slice(0, 10)}, commit ${run.git.commit?.slice(0, 12) ?? 'unknown'}); ${rerun}`,
      );
    }
    const l = run.loadAverage;
    if (loadWasHigh(l))
      warn(
        `${RESULT}.run.loadAverage`,
        `load average ${l.start[0]} at start exceeded the ${l.cores} cores (the machine was busy before the bench began): ${rerun} on a quiet machine`,
      );
    if (!run.lock) warn(`${RESULT}.run.lock`, `measured without the bench lock (POC_BENCH_LOCK=off?): ${rerun}`);
    if (run.profile === 'short')
      warn(`${RESULT}.run.profile`, `measured with the short profile, a smoke run: ${rerun} with the full one`);
    result.comparisons.forEach((c, i) => {
      const bare = [
        ...c.variants.filter((v) => !v.opsPerSec.values).map((v) => `variant "${v.name}"`),
        ...c.ratios.filter((r) => !r.values || !r.interval).map((r) => `ratio "${r.variant}"`),
      ];
      if (bare.length > 0)
        warn(
          `${RESULT}.comparisons[${i}]`,
          `"${c.id}" has no raw samples for ${bare.join(', ')}: build it with the harness (compareRounds, compareThroughput, compareLoad), not by hand`,
        );
    });
    if (result.headlineSource === 'typed')
      warn(
        `${RESULT}.headline`,
        'typed, not computed: pass finish() a template ("{ratio:<comparison>/<variant>}") or a function of the result',
      );
    if (result.headlineSource === 'template' && result.headlineTemplate !== undefined) {
      let resolved: string;
      try {
        resolved = resolveHeadline(result.headlineTemplate, result);
      } catch (e) {
        resolved = `(${(e as Error).message})`;
      }
      if (resolved !== result.headline)
        warn(`${RESULT}.headline`, `does not match its template resolved against the stored figures: "${resolved}"`);
    }
  }

  if (readme !== undefined) {
    const section = measuredSection(readme);
    if (section !== undefined && !section.includes(renderMarkdown(result))) {
      const rendered = renderMarkdown(result).split('\n');
      const first = rendered.find((line) => line.trim() !== '' && !section.includes(line));
      warn(
        'readme.measured',
        `does not contain the table rendered from ${RESULT} (${first === undefined ? 'its lines are there, but not as one block' : `first line missing: "${first.slice(0, 80)}"`}); ` +
          `paste the output of \`pnpm poc ${short} --measured\``,
      );
    }
  }

  return { stale, flags: resultFlags(result, path), warnings };
}
