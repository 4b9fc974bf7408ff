// The public API of poc-postgres-explain: explainer() runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) in a
// rolled-back transaction and returns the plan with typed findings; findProblems() is the pure rule set
// over a plan you already have. The shop with planted problems is the lab that tests, demo and bench share.
// The naive checker (plain EXPLAIN, "any Seq Scan?") is behind 'poc-postgres-explain/naive'.
export {
  explainer,
  planNodes,
  type ConnectionSource,
  type ExplainOptions,
  type ExplainReport,
  type Explainer,
} from './explain.ts';
export {
  DEFAULT_THRESHOLDS,
  FINDING_KINDS,
  findProblems,
  nodeName,
  type Finding,
  type FindingKind,
  type PlanNode,
  type Thresholds,
} from './findings.ts';
export { GOOD_QUERIES, REGIONS, createShop, shopCases, type ShopCase, type ShopSize } from './lab.ts';
export {
  ExplainError,
  ExplainArgumentError,
  ExplainServiceError,
  isExplainError,
  type AnyExplainError,
  type ExplainErrorCode,
} from './errors.ts';
