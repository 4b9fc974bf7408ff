// What a plan says, read from EXPLAIN (FORMAT JSON): every node with its type and the relation or
// index it reads, so a test asserts "Bitmap Index Scan on docs_doc_gin" instead of parsing text.

export interface PlanNode {
  /** "Seq Scan", "Bitmap Index Scan", "Bitmap Heap Scan", "Sort", ... (a parallel seq scan is "Seq Scan"). */
  type: string;
  relation?: string;
  index?: string;
}

export interface PlanSummary {
  /** Every node, depth first from the top. */
  nodes: PlanNode[];
  /** Rows the top node returned (EXPLAIN ANALYZE). */
  rows: number;
  /** "Seq Scan on docs", "Bitmap Index Scan on docs_doc_gin": the scans, for a message or a printout. */
  scans: string[];
}

interface RawNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: RawNode[];
}

/** Summarises the JSON of one EXPLAIN (ANALYZE, FORMAT JSON) statement. */
export function planSummary(explainJson: unknown): PlanSummary {
  const top = (explainJson as Array<{ Plan: RawNode }>)[0]!.Plan;
  const nodes: PlanNode[] = [];
  const walk = (n: RawNode): void => {
    nodes.push({
      type: n['Node Type'],
      ...(n['Relation Name'] ? { relation: n['Relation Name'] } : {}),
      ...(n['Index Name'] ? { index: n['Index Name'] } : {}),
    });
    for (const child of n.Plans ?? []) walk(child);
  };
  walk(top);
  const scans = nodes.filter((n) => n.type.endsWith('Scan')).map((n) => `${n.type} on ${n.index ?? n.relation ?? '?'}`);
  return { nodes, rows: top['Actual Rows'] ?? 0, scans };
}
