export {
  compareThroughput,
  compareLoad,
  latencySummary,
  measure,
  type ThroughputSpec,
  type LoadSpec,
  type MeasureSpec,
  type Progress,
} from './compare.ts';
export { benchReport, readResult, renderMarkdown, type BenchReport, type BenchReportOptions } from './report.ts';
export { summarize } from './stats.ts';
export * from './schema.ts';
