// What people check first: plain EXPLAIN (no ANALYZE) and "is there a Seq Scan in it?". It sees only
// the planner's guesses, so it cannot see a misestimate, a loop that ran 1,000 times instead of 10,
// or a sort that spilled; and it names every Seq Scan, including the right ones (a small table, a
// count of a whole table). Same interface as explainer(), so tests and the bench compare like with like.
// Import it from 'poc-postgres-explain/naive'.
import { check, postgresCall } from './errors.ts';
import { nodeName, type Finding, type PlanNode } from './findings.ts';
import { planNodes, type ConnectionSource, type Explainer } from './explain.ts';

export function naiveExplainer(pool: ConnectionSource): Explainer {
  check.kind(
    typeof pool?.connect === 'function' && typeof pool?.query === 'function',
    'pool',
    'must be a pg.Pool (an object with connect() and query())',
    pool,
  );
  return {
    async explain(sql, values = []) {
      check.that(typeof sql === 'string' && sql.trim().length > 0, 'sql', 'must be a non-empty statement', sql);
      const { rows } = await postgresCall('explaining without ANALYZE', () =>
        pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, [...values]),
      );
      const plan = (rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode; 'Planning Time'?: number }> })['QUERY PLAN'][0]!
        .Plan;
      const findings: Finding[] = planNodes(plan)
        .filter((n) => n['Node Type'] === 'Seq Scan')
        .map((n) => ({
          kind: 'seq-scan',
          node: nodeName(n),
          relation: n['Relation Name'] ?? '?',
          rowsRead: n['Plan Rows'],
          rowsReturned: n['Plan Rows'],
          detail: `Seq Scan on ${n['Relation Name']} (estimated ${n['Plan Rows']} rows)`,
        }));
      return { findings, plan, planningMs: 0, executionMs: 0 };
    },
  };
}
