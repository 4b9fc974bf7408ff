// pnpm --filter poc-postgres-index-types demo: builds every strategy on 200,000 generated events (and
// on the same rows shuffled), then asks the server how it answers each query shape with each index.
// Every plan line below is read from EXPLAIN now, and every answer is compared with a seq scan's.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import {
  STRATEGIES,
  correlation,
  createEvents,
  eventTime,
  indexBuilder,
  readPlan,
  shapeSql,
  tagName,
  type IndexStrategy,
  type PlannerSettings,
  type QueryPlan,
  type QueryShape,
} from './index.ts';
import { seqScanQuery } from './naive.ts';

const ROWS = 200_000;
const HOUR = 3_600;
const say = (line = ''): void => console.log(line);
const n = (x: number): string => x.toLocaleString('en-US');
const kB = (bytes: number): string => `${n(Math.round(bytes / 1_024))} kB`;

const PARAMS: Record<QueryShape, unknown[]> = {
  equality: [eventTime(ROWS / 2)],
  range: [eventTime(ROWS / 2), eventTime(ROWS / 2 + HOUR)],
  containment: [[tagName(42)]],
};
const DESCRIBE: Record<QueryShape, string> = {
  equality: 'col = <one time>',
  range: 'col >= t AND col < t + 1 hour',
  containment: "tags @> ARRAY['tag42']",
};

/** "Bitmap Heap Scan > Bitmap Index Scan on events_brin", and the recheck when there is one. */
function planLine(plan: QueryPlan): string {
  const scans = plan.nodes.filter((x) => /Scan/.test(x.nodeType));
  const shape = scans.map((x) => x.nodeType + (x.indexName ? ` on ${x.indexName}` : '')).join(' > ');
  // Under a parallel plan PostgreSQL 15 counts only the leader's heap pages: then the rows tell it.
  const pages = plan.parallel ? 'parallel' : `${n(plan.lossyHeapBlocks)} lossy pages`;
  const lossy =
    plan.rowsRemovedByIndexRecheck > 0
      ? `; ${pages}, ${n(plan.rowsRemovedByIndexRecheck)} rows removed by recheck`
      : '';
  return shape + lossy;
}

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  const pool = db.pool({ max: 4 });
  try {
    say(`PostgreSQL ${server.version} (${server.provider}). Index types on an append-only events table.\n`);
    const ordered = await createEvents(pool, { table: 'events', rows: ROWS });
    const shuffled = await createEvents(pool, { table: 'events_shuffled', rows: ROWS, order: 'shuffled' });
    say(`events: ${n(ROWS)} rows, one per second, ${n(ordered.heapPages)} heap pages (${kB(ordered.heapBytes)}).`);
    say('events_shuffled: the same rows written in a random order.\n');

    say(`${'index'.padEnd(7)}${'column'.padEnd(10)}${'size'.padStart(10)}  serves`);
    for (const s of Object.values(STRATEGIES)) {
      const built = await indexBuilder(pool, { table: 'events' }).build(s);
      say(`${s.name.padEnd(7)}${s.column.padEnd(10)}${kB(built.sizeBytes).padStart(10)}  ${s.serves.join(', ')}`);
    }
    await indexBuilder(pool, { table: 'events_shuffled' }).build(STRATEGIES.brin);
    await pool.query('ANALYZE events; ANALYZE events_shuffled');

    const show = async (
      label: string,
      shape: QueryShape,
      s: IndexStrategy,
      table = 'events',
      settings: PlannerSettings = {},
    ): Promise<void> => {
      const sql = shapeSql(shape, table, s.column);
      const plan = await readPlan(pool, sql, PARAMS[shape], { analyze: true, settings });
      const rows = (await pool.query(sql, PARAMS[shape])).rowCount ?? 0;
      const same = rows === (await seqScanQuery(pool, sql, PARAMS[shape])).length;
      say(
        `  ${label.padEnd(22)} ${n(rows).padStart(5)} ${rows === 1 ? 'row ' : 'rows'}${same ? '' : ' (NOT the seq scan rows!)'}  ${planLine(plan)}`,
      );
    };
    for (const shape of ['equality', 'range', 'containment'] as const) {
      say(`\n${shape}: ${DESCRIBE[shape]}`);
      for (const s of Object.values(STRATEGIES) as IndexStrategy[]) {
        if ((shape === 'containment') !== (s.column === 'tags')) continue;
        await show(`${s.name}${s.serves.includes(shape) ? '' : ' (cannot serve)'}`, shape, s);
      }
    }

    say(`\nThe same range on events_shuffled:`);
    say(
      `  pg_stats.correlation of at_brin: ${(await correlation(pool, 'events', 'at_brin')).toFixed(3)} ordered, ${(await correlation(pool, 'events_shuffled', 'at_brin')).toFixed(3)} shuffled`,
    );
    await show("brin, planner's choice", 'range', STRATEGIES.brin, 'events_shuffled');
    await show('brin, seqscan off', 'range', STRATEGIES.brin, 'events_shuffled', { enable_seqscan: false });
    say(`  (of ${n(ROWS)} rows on ${n(shuffled.heapPages)} pages: every block range holds some of the hour.)`);
    say('\nEvery row count above was compared with the same query run as a seq scan.');
  } finally {
    await db.close();
  }
});
