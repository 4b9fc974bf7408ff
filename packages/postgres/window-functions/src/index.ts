// The public API of poc-postgres-window-functions: the reports with window functions, the data set they
// read and the package's errors. The correlated-subquery versions are behind the subpath
// 'poc-postgres-window-functions/naive'.
export {
  RANKINGS,
  windowReports,
  windowSql,
  type RankedSale,
  type Ranking,
  type ReportOptions,
  type ReportSql,
  type Reports,
  type RunningTotal,
  type Streak,
} from './window-functions.ts';
export { createSchema, generateData, type DataShape } from './data.ts';
export type { ReportPool } from './query.ts';
export {
  WindowFunctionsError,
  WindowFunctionsArgumentError,
  WindowFunctionsServiceError,
  isWindowFunctionsError,
  type AnyWindowFunctionsError,
  type WindowFunctionsErrorCode,
} from './errors.ts';
