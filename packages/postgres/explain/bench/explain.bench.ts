// pnpm --filter poc-postgres-explain bench: this POC's own claim (the roadmap gives none), as ratios.
// 1. What acting on each finding is worth: every planted problem's query, timed before and after the
//    change its finding points to (an index; CREATE STATISTICS; work_mem), each ratio = after ÷ before
//    queries/s. "Before" runs on the shop in schema public, "after" on an identical copy (same
//    generator, same seed) in schema `fixed` with the fixes applied, chosen by search_path per pool;
//    the sort runs on two connections that differ only in work_mem.
// 2. What asking costs: explainer().explain() (connect, BEGIN, EXPLAIN ANALYZE, ROLLBACK) ÷ the plain
//    query, on the join of case 2 after its fix.
// Facts: which problems the explainer and the naive check ("any Seq Scan?" in plain EXPLAIN) name on the
// planted and the good queries. The data is generated and ANALYZEd untimed; every query is run once
// (warm) and both sides' answers compared before timing.
import {
  benchProfile,
  benchReport,
  compareThroughput,
  explainAnalyze,
  postgresDatabase,
  postgresDurability,
  savePlans,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { GOOD_QUERIES, createShop, explainer, shopCases, type ShopCase } from '../src/index.ts';
import { naiveExplainer } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const CUSTOMERS = SHORT ? 20_000 : 100_000;
const ORDERS_PER_CUSTOMER = 10;
const ROUNDS = 6;
const TIME_MS = 500;

runMain(async () => {
  const db = await postgresDatabase({ name: 'explain_bench' });
  try {
    const before = db.pool({ max: 2 });
    const after = db.pool({ max: 2, options: '-c search_path=fixed,public' });
    await before.query('CREATE SCHEMA fixed');
    const size = { customers: CUSTOMERS, ordersPerCustomer: ORDERS_PER_CUSTOMER, seed: 1 };
    const { orders } = await createShop(before, size);
    await createShop(after, size);
    const cases = shopCases(orders);
    for (const c of cases) if (c.fix) await after.query(c.fix);
    const sortBefore = await db.client();
    const sortAfter = await db.client();
    const sortCase = cases.find((c) => c.id === 'sort-spill')!;
    await sortBefore.query(`SET work_mem = '${sortCase.before.settings!.work_mem}'`);
    await sortAfter.query(`SET work_mem = '${sortCase.after.settings!.work_mem}'`);
    const sides = (c: ShopCase): [pg.Pool | pg.Client, pg.Pool | pg.Client] =>
      c.id === 'sort-spill' ? [sortBefore, sortAfter] : [before, after];

    // Findings on both copies, from the explainer and from the naive check.
    const kinds = async (e: ReturnType<typeof explainer>, c: { sql: string; values: unknown[] }): Promise<string> =>
      (await e.explain(c.sql, c.values)).findings.map((f) => f.kind).join(', ') || 'none';
    const findings: Array<[id: string, title: string, value: string]> = [];
    let planted = 0;
    let caught = 0;
    let naiveCaught = 0;
    for (const c of cases) {
      const found = await kinds(explainer(before, c.before), c);
      const fixed = await kinds(explainer(after, c.after), c);
      const naive = await kinds(naiveExplainer(before), c);
      planted += c.expects.length;
      caught += c.expects.filter((k) => found.includes(k)).length;
      naiveCaught += c.expects.filter((k) => naive.includes(k)).length;
      findings.push([
        `${c.id}`,
        `${c.title}: findings before the fix / after / naive check before`,
        `${found} / ${fixed} / ${naive}`,
      ]);
    }
    let falseAlarms = 0;
    let naiveFalseAlarms = 0;
    for (const g of GOOD_QUERIES) {
      const found = await kinds(explainer(after), g);
      const naive = await kinds(naiveExplainer(after), g);
      falseAlarms += found === 'none' ? 0 : 1;
      naiveFalseAlarms += naive === 'none' ? 0 : 1;
      findings.push([`good-${g.id}`, `Good query ${g.id}: findings / naive check`, `${found} / ${naive}`]);
    }

    const sharedBuffers = (await before.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!
      .v;
    const dataSize = (
      await before.query<{ v: string }>(
        `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'fixed') AND c.relkind = 'r'`,
      )
    ).rows[0]!.v;
    const report = benchReport({
      parameters: {
        customers: CUSTOMERS,
        orders,
        copies: 'public (as generated) and fixed (same data, fixes applied), chosen by search_path',
        fixes: cases
          .map((c) => `${c.id}: ${c.fix ?? `work_mem ${c.before.settings!.work_mem} -> ${c.after.settings!.work_mem}`}`)
          .join('; '),
        dataSize: `${dataSize} for both copies with indexes (shared_buffers ${sharedBuffers}; the rest is in the OS page cache, the data directory is on tmpfs)`,
        rounds: ROUNDS,
        timeMsPerVariant: TIME_MS,
        durability: await postgresDurability(before),
      },
      services: ['postgres'],
    });
    for (const [id, title, value] of findings) report.add({ id, title, value });
    report.add({ id: 'caught', title: 'Planted problems named by the explainer', value: `${caught} of ${planted}` });
    report.add({
      id: 'naive-caught',
      title: 'Planted problems named by the naive check',
      value: `${naiveCaught} of ${planted}`,
    });
    report.add({
      id: 'false-alarms',
      title: 'Good queries with findings, explainer / naive check',
      value: `${falseAlarms} / ${naiveFalseAlarms} of ${GOOD_QUERIES.length}`,
    });

    // Same answers on both sides, once, before timing (it also warms both copies).
    for (const c of cases) {
      const [b, a] = sides(c);
      const [rb, ra] = [(await b.query(c.sql, c.values)).rows, (await a.query(c.sql, c.values)).rows];
      const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
      if (!isDeepStrictEqual(sorted(rb), sorted(ra))) throw new Error(`${c.id}: the fixed copy answered differently`);
    }

    for (const c of cases) {
      const [b, a] = sides(c);
      report.add(
        await compareThroughput({
          id: c.id,
          title: `${c.title}: queries/s before and after the fix`,
          variants: { before: () => b.query(c.sql, c.values), after: () => a.query(c.sql, c.values) },
          baseline: 'before',
          rounds: ROUNDS,
          timeMs: TIME_MS,
          iterations: 3,
        }),
      );
    }
    const join = cases.find((c) => c.id === 'misestimate')!;
    const explain = explainer(after);
    report.add(
      await compareThroughput({
        id: 'overhead',
        title:
          'The fixed join of case misestimate: the plain query vs explainer().explain() of it (BEGIN, EXPLAIN ANALYZE, ROLLBACK)',
        variants: {
          plain: () => after.query(join.sql, join.values),
          explain: () => explain.explain(join.sql, join.values),
        },
        baseline: 'plain',
        rounds: ROUNDS,
        timeMs: TIME_MS,
        iterations: 3,
      }),
    );

    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const c of cases) {
      const [b, a] = sides(c);
      plans[`${c.id}-before`] = { sql: c.sql, plan: await explainAnalyze(b, c.sql, c.values) };
      plans[`${c.id}-after`] = { sql: c.sql, plan: await explainAnalyze(a, c.sql, c.values) };
    }
    savePlans(plans);

    await report.finish(
      "This POC's own claim (no roadmap figure): the explainer named {fact:caught} planted problems (the naive check {fact:naive-caught}), " +
        'false alarms on good queries {fact:false-alarms}. Acting on each finding, after ÷ before: index for the seq scan {ratio:seq-scan/after}; ' +
        'CREATE STATISTICS for the misestimate {ratio:misestimate/after}; work_mem for the sort spill {ratio:sort-spill/after}. ' +
        'Asking costs: explain ÷ plain query {ratio:overhead/explain}.',
    );
  } finally {
    await db.close();
  }
});
