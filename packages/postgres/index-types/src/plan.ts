// Reads a query's plan from EXPLAIN (FORMAT JSON) and answers the questions this POC asks of it: which
// index did it use, did it fall back to a sequential scan, and how many rows did a lossy index make the
// heap recheck. Planner switches (enable_seqscan = off ...) apply to that one statement only (SET LOCAL
// in a transaction that is rolled back), never to the session.
import { check, postgresCall } from './errors.ts';
import type { PoolLike } from './connection.ts';

export const PLANNER_SWITCHES = [
  'enable_seqscan',
  'enable_indexscan',
  'enable_indexonlyscan',
  'enable_bitmapscan',
] as const;
export type PlannerSwitch = (typeof PLANNER_SWITCHES)[number];
export type PlannerSettings = Partial<Record<PlannerSwitch, boolean>>;

/** One node of the plan, with the fields this POC reads (the raw node keeps the rest). */
export interface PlanNode {
  nodeType: string;
  relationName?: string;
  indexName?: string;
  /** With ANALYZE: rows this node returned (over all loops and parallel workers). */
  actualRows?: number;
  /** With ANALYZE, on a Bitmap Heap Scan: heap rows the index matched that failed the condition. */
  rowsRemovedByIndexRecheck?: number;
  /**
   * With ANALYZE, on a Bitmap Heap Scan: pages read whole because the bitmap knew only the page (BRIN
   * always). Under a parallel plan PostgreSQL 15 counts the leader's pages only: see `parallel`.
   */
  lossyHeapBlocks?: number;
  exactHeapBlocks?: number;
  /** The node is split among parallel workers ("Parallel Aware"). */
  parallel: boolean;
  raw: Record<string, unknown>;
}

export interface QueryPlan {
  /** Every node, depth first from the root. */
  nodes: PlanNode[];
  /** Names of the indexes any node reads. */
  indexNames: string[];
  /** Relations read by a Seq Scan (parallel or not). */
  seqScanned: string[];
  usesIndex(name: string): boolean;
  /** With ANALYZE: sum of Rows Removed by Index Recheck over the plan. */
  rowsRemovedByIndexRecheck: number;
  lossyHeapBlocks: number;
  /** Some node runs in parallel workers: then heap block counts are the leader's share only (PostgreSQL 15). */
  parallel: boolean;
  /** With ANALYZE: the server's execution time in ms. */
  executionMs?: number;
  /** The JSON as PostgreSQL returned it. */
  json: unknown;
}

export interface ReadPlanOptions {
  /** EXPLAIN (ANALYZE, BUFFERS): runs the statement and adds actual rows, rechecks and buffers. Default false. */
  analyze?: boolean;
  /** Planner switches for this statement only. */
  settings?: PlannerSettings;
}

/** EXPLAIN (FORMAT JSON) of one statement, read into a QueryPlan. */
export async function readPlan(
  pool: PoolLike,
  sql: string,
  values: unknown[] = [],
  options: ReadPlanOptions = {},
): Promise<QueryPlan> {
  check.kind(typeof pool?.connect === 'function', 'pool', 'must be a pg.Pool', pool);
  check.that(typeof sql === 'string' && /^\s*select\b/i.test(sql), 'sql', 'must be a SELECT statement', sql);
  check.kind(Array.isArray(values), 'values', 'must be an array', values);
  check.options('options', options);
  const settings = options.settings ?? {};
  check.options('options.settings', settings);
  for (const [name, on] of Object.entries(settings)) {
    check.oneOf('options.settings', name, PLANNER_SWITCHES);
    check.that(typeof on === 'boolean', `options.settings.${name}`, 'must be a boolean', on);
  }
  const explain = options.analyze ? 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)' : 'EXPLAIN (FORMAT JSON)';
  const client = await postgresCall('connecting to read a plan', () => pool.connect());
  try {
    const json = await postgresCall(`reading the plan of: ${sql}`, async () => {
      await client.query('BEGIN');
      try {
        for (const [name, on] of Object.entries(settings))
          await client.query(`SET LOCAL ${name} = ${on ? 'on' : 'off'}`);
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`${explain} ${sql}`, values);
        return rows[0]!['QUERY PLAN'];
      } finally {
        await client.query('ROLLBACK');
      }
    });
    return parsePlan(json);
  } finally {
    client.release();
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const times = (v: number | undefined, loops: number): number | undefined =>
  v === undefined ? undefined : Math.round(v * loops);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** EXPLAIN's JSON (`[{ Plan: {...}, "Execution Time": ... }]`) into a QueryPlan; pure, tested alone. */
export function parsePlan(json: unknown): QueryPlan {
  const top = (Array.isArray(json) ? json[0] : json) as Record<string, unknown> | undefined;
  const root = top?.['Plan'] as Record<string, unknown> | undefined;
  check.kind(typeof root === 'object' && root !== null, 'json', 'must be the output of EXPLAIN (FORMAT JSON)', json);
  const nodes: PlanNode[] = [];
  const walk = (n: Record<string, unknown>): void => {
    const loops = num(n['Actual Loops']) ?? 1;
    const rows = num(n['Actual Rows']);
    nodes.push({
      nodeType: String(n['Node Type']),
      relationName: str(n['Relation Name']),
      indexName: str(n['Index Name']),
      actualRows: times(rows, loops),
      // EXPLAIN shows this count per loop (averaged over parallel workers): scaled back to the total.
      rowsRemovedByIndexRecheck: times(num(n['Rows Removed by Index Recheck']), loops),
      lossyHeapBlocks: num(n['Lossy Heap Blocks']),
      exactHeapBlocks: num(n['Exact Heap Blocks']),
      parallel: n['Parallel Aware'] === true,
      raw: n,
    });
    for (const child of (n['Plans'] as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk(root);
  const indexNames = [...new Set(nodes.flatMap((n) => (n.indexName ? [n.indexName] : [])))];
  const sum = (k: 'rowsRemovedByIndexRecheck' | 'lossyHeapBlocks'): number =>
    nodes.reduce((s, n) => s + (n[k] ?? 0), 0);
  return {
    nodes,
    indexNames,
    seqScanned: nodes.filter((n) => /Seq Scan$/.test(n.nodeType)).map((n) => n.relationName ?? '?'),
    usesIndex: (name) => indexNames.includes(name),
    rowsRemovedByIndexRecheck: sum('rowsRemovedByIndexRecheck'),
    lossyHeapBlocks: sum('lossyHeapBlocks'),
    parallel: nodes.some((n) => n.parallel),
    executionMs: num(top?.['Execution Time']),
    json,
  };
}
