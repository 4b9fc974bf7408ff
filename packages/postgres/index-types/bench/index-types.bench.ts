// pnpm --filter poc-postgres-index-types bench: what each index type costs (size, build time) and what
// it buys (equality, 1-hour range and containment queries/s), on one events table generated on the
// server, side by side in one process. Writes bench/results.json and bench/plans/ (never edit them).
//
// Rates are queries/s of one dedicated connection per variant, each sample running its query shape for
// SAMPLE_MS over the same list of keys from the start (same work on every side). "seq scan" is the same
// SQL on a connection with index scans switched off (src/naive.ts): the table with no index. "brin,
// shuffled" is the BRIN on the shuffled copy with enable_seqscan = off on its connection, because the
// planner would (rightly) not use it otherwise; every other variant runs with default planner settings.
// Two baselines: each index against the seq scan, and the index types against the B-tree.
import {
  benchProfile,
  benchReport,
  compareRounds,
  explainAnalyze,
  measure,
  postgresDurability,
  savePlans,
  type RoundSample,
} from '@poc/harness/bench';
import { postgresDatabase } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import {
  STRATEGIES,
  correlation,
  createEvents,
  eventTime,
  indexBuilder,
  readPlan,
  shapeSql,
  tagName,
  type EventColumn,
  type QueryShape,
} from '../src/index.ts';
import { disableIndexScans } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 100_000 : 1_000_000;
const SEED = 46;
const HOUR = 3_600; // rows per 1-hour range (one event per second)
const TAG_VOCABULARY = 1_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const SAMPLE_MS = SHORT ? 60 : 300;
const BUILD_SAMPLES = 3;
const KEYS = 64;
const ORDERED = 'events';
const SHUFFLED = 'events_shuffled';

/** Row numbers spread over the table (deterministic), away from the edges so every range is full. */
const keys = Array.from({ length: KEYS }, (_, i) => HOUR + ((i * 7_919 + SEED) % (ROWS - 2 * HOUR)));
const PARAMS: Record<QueryShape, (k: number) => unknown[]> = {
  equality: (k) => [eventTime(k)],
  range: (k) => [eventTime(k), eventTime(k + HOUR)],
  containment: (k) => [[tagName(k % TAG_VOCABULARY)]],
};

interface Variant {
  shape: QueryShape;
  name: string;
  table: string;
  column: EventColumn;
  session?: (c: pg.Client) => Promise<unknown>;
  client?: pg.Client;
}
const noIndex = (c: pg.Client): Promise<void> => disableIndexScans(c);
const VARIANTS: Variant[] = [
  { shape: 'equality', name: 'seq scan', table: ORDERED, column: 'at_btree', session: noIndex },
  { shape: 'equality', name: 'btree', table: ORDERED, column: 'at_btree' },
  { shape: 'equality', name: 'hash', table: ORDERED, column: 'at_hash' },
  { shape: 'equality', name: 'brin', table: ORDERED, column: 'at_brin' },
  { shape: 'range', name: 'seq scan', table: ORDERED, column: 'at_btree', session: noIndex },
  { shape: 'range', name: 'btree', table: ORDERED, column: 'at_btree' },
  { shape: 'range', name: 'hash', table: ORDERED, column: 'at_hash' },
  { shape: 'range', name: 'brin', table: ORDERED, column: 'at_brin' },
  {
    shape: 'range',
    name: 'brin, shuffled',
    table: SHUFFLED,
    column: 'at_brin',
    session: (c) => c.query('SET enable_seqscan = off'),
  },
  { shape: 'containment', name: 'seq scan', table: ORDERED, column: 'tags', session: noIndex },
  { shape: 'containment', name: 'gin', table: ORDERED, column: 'tags' },
];
const sqlOf = (v: Variant): string => shapeSql(v.shape, v.table, v.column, 'summary');
const slug = (v: Variant): string => `${v.shape}-${v.name.replace(/[^a-z]+/g, '-')}`;

/** One sample: the variant's query over the key list, from the first key, until SAMPLE_MS have passed. */
const sample = (v: Variant) => async (): Promise<RoundSample> => {
  const sql = sqlOf(v);
  const t0 = performance.now();
  let ops = 0;
  while (ops === 0 || performance.now() - t0 < SAMPLE_MS) {
    await v.client!.query(sql, PARAMS[v.shape](keys[ops % KEYS]!));
    ops++;
  }
  return { ops, seconds: (performance.now() - t0) / 1_000 };
};

runMain(async () => {
  const db = await postgresDatabase({ name: 'index_types_bench' });
  const pool = db.pool({ max: 4 });
  try {
    // Untimed: the data, then the indexes of the shuffled copy (its BRIN is the one the bench queries).
    const ordered = await createEvents(pool, { table: ORDERED, rows: ROWS, seed: SEED, tagVocabulary: TAG_VOCABULARY });
    const shuffled = await createEvents(pool, {
      table: SHUFFLED,
      rows: ROWS,
      seed: SEED,
      order: 'shuffled',
      tagVocabulary: TAG_VOCABULARY,
    });
    const setting = async (name: string): Promise<string> =>
      (await pool.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
    const report = benchReport({
      parameters: {
        rows: ROWS,
        heapMB: Math.round(ordered.heapBytes / 2 ** 20),
        sharedBuffers: await setting('shared_buffers'),
        maintenanceWorkMem: await setting('maintenance_work_mem'),
        maxParallelMaintenanceWorkers: Number(await setting('max_parallel_maintenance_workers')),
        maxParallelWorkersPerGather: Number(await setting('max_parallel_workers_per_gather')),
        rangeRows: HOUR,
        tagsPerRow: 3,
        tagVocabulary: TAG_VOCABULARY,
        keys: KEYS,
        sampleMs: SAMPLE_MS,
        rounds: ROUNDS,
        buildSamples: BUILD_SAMPLES,
        connections: 'one dedicated connection per variant, warmed by one untimed sample',
        durability: await postgresDurability(pool),
      },
      services: ['postgres'],
    });

    // Build time and size of each strategy on the ordered table (the last build stays for the queries).
    const kB = (bytes: number): number => Math.round(bytes / 1_024);
    const sizes: Record<string, number> = {};
    for (const s of Object.values(STRATEGIES)) {
      const builder = indexBuilder(pool, { table: ORDERED });
      report.add(
        await measure({
          id: `build-${s.name}`,
          title: `CREATE INDEX ... USING ${s.method} (${s.column}) on ${ROWS} rows`,
          samples: BUILD_SAMPLES,
          warmup: 0,
          run: async () => {
            const built = await builder.build(s);
            sizes[s.name] = built.sizeBytes;
            return built.buildMs;
          },
        }),
      );
      report.add({
        id: `size-${s.name}`,
        title: `${s.method} index on ${s.column}: size`,
        value: kB(sizes[s.name]!),
        unit: 'kB',
      });
    }
    report.add({
      id: 'size-heap',
      title: `the table itself (heap, ${ROWS} rows)`,
      value: kB(ordered.heapBytes),
      unit: 'kB',
    });
    const ofBtree = (name: string): string => {
      const pct = (sizes[name]! / sizes.btree!) * 100;
      return `${pct < 1 ? pct.toFixed(2) : pct.toFixed(0)}% of the B-tree's size`;
    };
    for (const name of ['hash', 'brin'])
      report.add({
        id: `size-${name}-vs-btree`,
        title: `${name} index size ÷ B-tree index size`,
        value: ofBtree(name),
      });
    await indexBuilder(pool, { table: SHUFFLED }).build(STRATEGIES.brin);
    await pool.query(`ANALYZE ${ORDERED}; ANALYZE ${SHUFFLED}`);
    for (const [id, table] of [
      ['correlation-ordered', ORDERED],
      ['correlation-shuffled', SHUFFLED],
    ] as const)
      report.add({
        id,
        title: `pg_stats.correlation of at_brin in ${table}`,
        value: (await correlation(pool, table, 'at_brin')).toFixed(3),
      });

    // One connection per variant, its session settings applied, and its answer checked against the
    // seq scan's for every key before anything is timed.
    for (const v of VARIANTS) {
      v.client = await db.client();
      await v.session?.(v.client);
    }
    const expected = new Map<string, string>(); // the seq scan's answer per shape and key, computed once
    const answer = async (v: Variant, k: number): Promise<string> =>
      JSON.stringify((await v.client!.query(sqlOf(v), PARAMS[v.shape](k))).rows[0]);
    for (const v of VARIANTS) {
      const reference = VARIANTS.find((r) => r.shape === v.shape && r.name === 'seq scan')!;
      if (v === reference) continue;
      for (const k of keys) {
        const key = `${v.shape}:${k}`;
        if (!expected.has(key)) expected.set(key, await answer(reference, k));
        const got = await answer(v, k);
        if (got !== expected.get(key))
          throw new Error(`${slug(v)} answered ${got} for key ${k}, the seq scan ${expected.get(key)}`);
      }
    }

    // Plans (EXPLAIN (ANALYZE, BUFFERS) of every timed shape, on the variant's own connection), and
    // what the plans say about BRIN's rechecks, read from EXPLAIN (FORMAT JSON).
    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const v of VARIANTS)
      plans[slug(v)] = { sql: sqlOf(v), plan: await explainAnalyze(v.client!, sqlOf(v), PARAMS[v.shape](keys[0]!)) };
    savePlans(plans);
    for (const [id, table, settings] of [
      ['brin-recheck-ordered', ORDERED, {}],
      ['brin-recheck-shuffled', SHUFFLED, { enable_seqscan: false }],
    ] as const) {
      const plan = await readPlan(pool, shapeSql('range', table, 'at_brin', 'summary'), PARAMS.range(keys[0]!), {
        analyze: true,
        settings,
      });
      const pages = table === ORDERED ? ordered.heapPages : shuffled.heapPages;
      // Under a parallel plan PostgreSQL 15 counts only the leader's heap pages: then the rows alone are given.
      const read = plan.parallel
        ? ''
        : `; ${plan.lossyHeapBlocks.toLocaleString('en-US')} of ${pages.toLocaleString('en-US')} heap pages read`;
      report.add({
        id,
        title: `BRIN, 1-hour range on ${table}: rows removed by index recheck (and heap pages read, for a serial plan)`,
        value: `${plan.rowsRemovedByIndexRecheck.toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')} rows rechecked away for ${HOUR.toLocaleString('en-US')} matches${read}`,
      });
    }
    const hashRange = await readPlan(pool, shapeSql('range', ORDERED, 'at_hash', 'summary'), PARAMS.range(keys[0]!), {
      settings: { enable_seqscan: false },
    });
    report.add({
      id: 'hash-range-plan',
      title: 'plan of a 1-hour range on the hash-indexed column, enable_seqscan = off',
      value:
        hashRange.nodes.map((n) => n.nodeType).join(' > ') + (hashRange.indexNames.length === 0 ? ' (no index)' : ''),
    });

    // Timed: each shape against the seq scan, then the index types against the B-tree.
    const compare = async (id: string, title: string, chosen: Variant[]): Promise<void> => {
      for (const v of chosen) await sample(v)(); // warm-up, untimed
      report.add(
        await compareRounds({
          id,
          title,
          variants: Object.fromEntries(chosen.map((v) => [v.name, sample(v)])),
          rounds: ROUNDS,
          unit: 'queries/s',
        }),
      );
    };
    const of = (shape: QueryShape, ...names: string[]): Variant[] =>
      names.map((n) => VARIANTS.find((v) => v.shape === shape && v.name === n)!);
    await compare(
      'equality',
      `Equality lookup (one row of ${ROWS}), queries/s vs seq scan`,
      of('equality', 'seq scan', 'btree', 'hash', 'brin'),
    );
    await compare('equality-index', 'Equality lookup, queries/s vs B-tree', of('equality', 'btree', 'hash', 'brin'));
    await compare(
      'range',
      `1-hour range (${HOUR} of ${ROWS} rows, count and sum), queries/s vs seq scan`,
      of('range', 'seq scan', 'btree', 'hash', 'brin', 'brin, shuffled'),
    );
    await compare('range-index', '1-hour range, queries/s vs B-tree', of('range', 'btree', 'brin'));
    await compare(
      'containment',
      `tags @> ARRAY[tag] (about ${Math.round((3 / TAG_VOCABULARY) * ROWS)} rows), queries/s vs seq scan`,
      of('containment', 'seq scan', 'gin'),
    );

    await report.finish(
      'Own claim, measured on {param:rows} insertion-ordered events. 1-hour range, vs a seq scan: B-tree {ratio:range/btree}, ' +
        'BRIN {ratio:range/brin} at {fact:size-brin-vs-btree} (BRIN vs B-tree: {ratio:range-index/brin}); BRIN on the same rows ' +
        'shuffled (correlation {fact:correlation-shuffled}): {ratio:range/brin, shuffled}; hash (plan: a seq scan): {ratio:range/hash}. ' +
        'Equality, hash vs B-tree: {ratio:equality-index/hash}, at {fact:size-hash-vs-btree}. Containment, GIN vs seq scan: {ratio:containment/gin}.',
    );
  } finally {
    await db.close(); // ends the pool and every variant's connection
  }
});
