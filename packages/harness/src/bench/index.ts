import { enterBench } from './runner.ts';

export {
  compareThroughput,
  compareLoad,
  compareRounds,
  completeComparison,
  latencySummary,
  measure,
  type ThroughputSpec,
  type LoadSpec,
  type RoundsSpec,
  type RoundSample,
  type MeasureSpec,
  type Progress,
} from './compare.ts';
export {
  benchReport,
  readResult,
  renderMarkdown,
  resultFilePath,
  type BenchReport,
  type BenchReportOptions,
  type Headline,
  type HeadlineInput,
} from './report.ts';
export { headlineFigures, isTemplate, resolveHeadline, firstRatio, type HeadlineFigures } from './headline.ts';
export { ratioText, noClearDifference, num as formatNumber } from './format.ts';
export { summarize, medianInterval, percentiles, straddlesOne } from './stats.ts';
export { sourceHash, gitInfo, loadWasHigh } from './provenance.ts';
export { resultFlags } from './flags.ts';
export { benchProfile, type BenchProfile } from './profile.ts';
export { isBenchProcess, enterBench, currentBenchRun } from './runner.ts';
export * from './schema.ts';
export { explainAnalyze, savePlans, postgresDurability, PLANS_DIR, type PgQueryable } from './plans.ts';

// In a package's bench script, importing this module takes the repository's bench lock (queueing
// behind any bench that runs) before the bench's own code runs: see runner.ts. Elsewhere (tests,
// demos, the catalog) it does nothing.
await enterBench();
