// The rules: a pure function from the JSON plan of EXPLAIN (ANALYZE, FORMAT JSON) to typed findings.
// Each rule reads what the executor really did (actual rows, loops, sort space) beside what the
// planner expected, so it needs ANALYZE; thresholds keep small, harmless cases quiet.
import { check } from './errors.ts';

/** One node of PostgreSQL's JSON plan; only the fields the rules read are typed. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Plan Rows': number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Filter?: string;
  'Sort Method'?: string;
  'Sort Space Used'?: number;
  'Sort Space Type'?: string;
  /** Per parallel worker (EXPLAIN ANALYZE under a Gather): its sort method and space, among others. */
  Workers?: Array<{ 'Sort Method'?: string; 'Sort Space Used'?: number; 'Sort Space Type'?: string }>;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

interface Base {
  /** The node as EXPLAIN names it: "Seq Scan on orders", "Nested Loop". */
  node: string;
  /** One sentence a person can act on. */
  detail: string;
}
export type Finding =
  | (Base & { kind: 'seq-scan'; relation: string; rowsRead: number; rowsReturned: number })
  | (Base & { kind: 'misestimate'; estimatedRows: number; actualRows: number; factor: number })
  | (Base & { kind: 'nested-loop'; loops: number; expectedLoops: number })
  | (Base & { kind: 'sort-spill'; method: string; diskKb: number });
export type FindingKind = Finding['kind'];
export const FINDING_KINDS: readonly FindingKind[] = ['seq-scan', 'misestimate', 'nested-loop', 'sort-spill'];

export interface Thresholds {
  /** A filtered Seq Scan is named when it reads at least this many rows in all (default 10,000) ... */
  seqScanMinRows: number;
  /** ... and returns at most this share of them (default 0.1): an index would have skipped the rest. */
  seqScanMaxReturnedShare: number;
  /** Estimated vs actual rows (per loop) off by at least this factor, either way (default 10) ... */
  misestimateFactor: number;
  /** ... where the larger of the two is at least this many rows (default 100). */
  misestimateMinRows: number;
  /** A Nested Loop is named when its inner side ran at least this many times (default 100) and
   * misestimateFactor times more often than the planner expected. */
  nestedLoopMinLoops: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = {
  seqScanMinRows: 10_000,
  seqScanMaxReturnedShare: 0.1,
  misestimateFactor: 10,
  misestimateMinRows: 100,
  nestedLoopMinLoops: 100,
};

/** Checks thresholds a caller overrides; the rest keep their defaults. */
export function thresholdsFrom(options: Partial<Thresholds>): Thresholds {
  const t = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as Array<keyof Thresholds>) {
    const value = options[key];
    if (value === undefined) continue;
    if (key === 'seqScanMaxReturnedShare') check.numberIn(`options.${key}`, value, 0, 1);
    else if (key === 'misestimateFactor') check.numberIn(`options.${key}`, value, 1, Number.MAX_VALUE);
    else check.positiveNumber(`options.${key}`, value);
    t[key] = value;
  }
  return t;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "Seq Scan on orders", "Index Scan using orders_pkey on orders o", "Nested Loop". */
export function nodeName(n: PlanNode): string {
  let name = n['Parallel Aware'] === true ? `Parallel ${n['Node Type']}` : n['Node Type'];
  if (n['Index Name']) name += ` using ${n['Index Name']}`;
  if (n['Relation Name']) {
    name += ` on ${n['Relation Name']}`;
    if (n.Alias && n.Alias !== n['Relation Name']) name += ` ${n.Alias}`;
  }
  return name;
}

/** Estimated ÷ actual rows per loop, as a factor >= 1, and its direction. */
function misestimate(n: PlanNode): { factor: number; under: boolean } | undefined {
  if (n['Actual Rows'] === undefined || !n['Actual Loops']) return undefined; // not run (or no ANALYZE)
  const est = Math.max(n['Plan Rows'], 1);
  const act = Math.max(n['Actual Rows'], 1);
  return { factor: Math.max(est / act, act / est), under: act > est };
}

/** Every finding in the plan, parents before children. */
export function findProblems(plan: PlanNode, thresholds: Partial<Thresholds> = {}): Finding[] {
  check.kind(
    typeof plan === 'object' && plan !== null && 'Node Type' in plan,
    'plan',
    'must be a plan node (with "Node Type")',
    plan,
  );
  const t = thresholdsFrom(thresholds);
  const findings: Finding[] = [];
  const isOff = (n: PlanNode): boolean => {
    const m = misestimate(n);
    return (
      m !== undefined &&
      m.factor >= t.misestimateFactor &&
      Math.max(n['Plan Rows'], n['Actual Rows']!) >= t.misestimateMinRows
    );
  };

  const visit = (n: PlanNode, underLimit: boolean): void => {
    const loops = n['Actual Loops'] ?? 0;
    const children = n.Plans ?? [];

    if (n['Node Type'] === 'Seq Scan' && n.Filter !== undefined && loops > 0) {
      const returned = (n['Actual Rows'] ?? 0) * loops;
      const read = returned + (n['Rows Removed by Filter'] ?? 0) * loops;
      if (read >= t.seqScanMinRows && returned <= read * t.seqScanMaxReturnedShare)
        findings.push({
          kind: 'seq-scan',
          node: nodeName(n),
          relation: n['Relation Name'] ?? '?',
          rowsRead: read,
          rowsReturned: returned,
          detail: `read ${fmt(read)} rows of ${n['Relation Name']} to return ${fmt(returned)} (Filter: ${n.Filter}); an index on the filtered columns would skip the rest`,
        });
    }

    // Name a misestimate where it starts: a node whose inputs were estimated well (a leaf, or children
    // within the factor). Its parents inherit the error and are not named again. Below a Limit a node
    // is stopped early, so fewer rows than estimated is expected there, not a misestimate.
    const m = misestimate(n);
    if (m && isOff(n) && !children.some(isOff) && !(underLimit && !m.under))
      findings.push({
        kind: 'misestimate',
        node: nodeName(n),
        estimatedRows: n['Plan Rows'],
        actualRows: n['Actual Rows']!,
        factor: m.factor,
        detail: `estimated ${fmt(n['Plan Rows'])} rows, got ${fmt(n['Actual Rows']!)} (${m.factor >= 100 ? fmt(m.factor) : m.factor.toFixed(1)}x ${m.under ? 'under' : 'over'}); ANALYZE the table, or CREATE STATISTICS when the filtered columns are correlated`,
      });

    if (n['Node Type'] === 'Nested Loop' && children.length === 2 && loops > 0) {
      const [outer, inner] = children as [PlanNode, PlanNode];
      const innerLoops = inner['Actual Loops'] ?? 0;
      const expectedLoops = Math.max(outer['Plan Rows'] * loops, 1);
      if (innerLoops >= t.nestedLoopMinLoops && innerLoops >= expectedLoops * t.misestimateFactor)
        findings.push({
          kind: 'nested-loop',
          node: nodeName(n),
          loops: innerLoops,
          expectedLoops,
          detail: `inner ${nodeName(inner)} ran ${fmt(innerLoops)} times; the planner chose the nested loop expecting ${fmt(expectedLoops)}`,
        });
    }

    if (n['Node Type'] === 'Sort') {
      // Under a Gather (Merge) each parallel worker sorts its share with its own work_mem and reports it
      // in Workers; the node's own fields are the leader's (absent when the leader did not sort). A spill
      // in any of them is a spill: the bench's 1M-row sort spilled in one process out of three.
      const sorts = [n, ...(n.Workers ?? [])].filter((w) => w['Sort Method'] !== undefined);
      const spilled = sorts.filter((w) => w['Sort Space Type'] === 'Disk');
      if (spilled.length > 0) {
        const method = spilled[0]!['Sort Method']!;
        const diskKb = spilled.reduce((sum, w) => sum + (w['Sort Space Used'] ?? 0), 0);
        const where = sorts.length > 1 ? ` in ${spilled.length} of ${sorts.length} processes` : '';
        findings.push({
          kind: 'sort-spill',
          node: nodeName(n),
          method,
          diskKb,
          detail: `sort spilled to disk${where} (${method}, ${fmt(diskKb)} kB): raise work_mem for this query, or sort fewer rows`,
        });
      }
    }

    for (const child of children) visit(child, underLimit || n['Node Type'] === 'Limit');
  };
  visit(plan, false);
  return findings;
}
