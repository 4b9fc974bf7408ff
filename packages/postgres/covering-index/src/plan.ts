// Reads a plan the way the tests, the demo and the bench need it: EXPLAIN (FORMAT JSON) of a statement
// with its parameters, flattened to the list of nodes, so "which scan did the planner pick, on which
// index, and how many rows did an Index Only Scan still fetch from the heap" are arrays and numbers.
import { check, postgresCall } from './errors.ts';

/** What a pg Pool, PoolClient or Client offers. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** One node of PostgreSQL's JSON plan (the fields this package reads; the server sends more). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Heap Fetches'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

export interface PlanSummary {
  /** Every node, depth first from the root. */
  nodes: PlanNode[];
  /** `Node Type` of each node, in the same order: e.g. ["Aggregate", "Bitmap Heap Scan", "Bitmap Index Scan"]. */
  nodeTypes: string[];
  /** The indexes the plan uses. */
  indexNames: string[];
  /**
   * The sum of "Heap Fetches" over every Index Only Scan (with ANALYZE only; 0 otherwise): rows whose
   * heap page was not marked all-visible, so the scan had to visit the table to check visibility.
   */
  heapFetches: number;
  /** Buffers the root touched (shared hit + read), with ANALYZE only. */
  sharedBlocks?: number;
  /** Server-side execution time, with ANALYZE only. */
  executionMs?: number;
}

/**
 * EXPLAIN (FORMAT JSON) of `sql` with `values`; with `analyze: true`, EXPLAIN (ANALYZE, BUFFERS, FORMAT
 * JSON), which RUNS the statement (run a write inside a transaction you roll back).
 */
export async function explainPlan(
  db: Queryable,
  sql: string,
  values: unknown[] = [],
  options: { analyze?: boolean } = {},
): Promise<PlanSummary> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg Pool or Client', db);
  check.name('sql', sql);
  check.that(Array.isArray(values), 'values', 'must be an array', values);
  check.options('options', options);
  const analyze = options.analyze ?? false;
  const head = analyze ? 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)' : 'EXPLAIN (FORMAT JSON)';
  const { rows } = await postgresCall('explaining a statement', () => db.query(`${head} ${sql}`, values));
  // pg parses the json column: [{ Plan: {...}, "Execution Time": ms }]
  const [document] = rows[0]!['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time'?: number }>;
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode): void => {
    nodes.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(document!.Plan);
  const root = document!.Plan;
  return {
    nodes,
    nodeTypes: nodes.map((n) => n['Node Type']),
    indexNames: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
    heapFetches: nodes.reduce((sum, n) => sum + (n['Heap Fetches'] ?? 0), 0),
    sharedBlocks: analyze ? (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0) : undefined,
    executionMs: document!['Execution Time'],
  };
}
