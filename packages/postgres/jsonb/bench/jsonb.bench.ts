// pnpm --filter poc-postgres-jsonb bench: the roadmap's claim (~15x faster with GIN) as ratios, no index
// vs GIN jsonb_ops vs GIN jsonb_path_ops, side by side in one process; writes bench/results.json and the
// EXPLAIN (ANALYZE, BUFFERS) of every timed statement to bench/plans/.
//
// Data: ROWS generated documents (src/documents.ts, seed 42) in three identical tables, one per index
// variant, loaded untimed, indexes built after the load, VACUUM ANALYZE, every query run once before
// timing. Reads: one statement at a time on one connection per variant (compareThroughput), each call
// the next filter of the same fixed list, so every variant does the same work; the answers of every
// variant are compared before anything is timed. Writes: INSERT of WRITE_BATCH documents in a
// transaction that is rolled back, so every round starts from the same table. Every timed function is
// declared `async`: tinybench calls a plain function once to find out whether it returns a promise,
// which would leave a query in flight.
import {
  benchProfile,
  benchReport,
  compareThroughput,
  explainAnalyze,
  postgresDurability,
  savePlans,
} from '@poc/harness/bench';
import { postgresDatabase } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import {
  CATEGORIES,
  COLORS,
  JSONB_INDEXES,
  SIZES,
  TAGS,
  documentStore,
  querySql,
  type JsonbIndex,
  type JsonbQuery,
} from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 50_000 : 200_000;
const SEED = 42;
const WRITE_BATCH = 1_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const TIME_MS = 1_000;

const NAMES: Record<JsonbIndex, string> = {
  none: 'no index',
  jsonb_ops: 'GIN jsonb_ops',
  jsonb_path_ops: 'GIN jsonb_path_ops',
};
const table = (index: JsonbIndex): string => `docs_${index}`;

/** The filters each read comparison cycles through: the same list, in the same order, for every variant. */
const FILTERS: Record<'contains' | 'path' | 'key', JsonbQuery[]> = {
  contains: Array.from({ length: 8 }, (_, i) => ({
    contains: { category: CATEGORIES[(i * 3) % CATEGORIES.length], attrs: { color: COLORS[(i * 5) % COLORS.length] } },
  })),
  path: Array.from({ length: 8 }, (_, i) => ({
    path: `$ ? (@.attrs.size == "${SIZES[i % SIZES.length]}" && @.tags[*] == "${TAGS[(i * 7) % TAGS.length]}")`,
  })),
  key: [{ hasKey: 'discount' }],
};
const SHAPES: Record<keyof typeof FILTERS, string> = {
  contains: '@> {category, attrs.color} (1 in 240 documents)',
  path: '@? $ ? (@.attrs.size == .. && @.tags[*] == ..) (1 in 60)',
  key: '? discount (1 in 100)',
};

runMain(async () => {
  const db = await postgresDatabase({ name: 'jsonb_bench' });
  try {
    const setup = db.pool({ max: 2 });
    const stores = Object.fromEntries(
      JSONB_INDEXES.map((index) => [index, documentStore(setup, { table: table(index), index })]),
    );
    const buildMs: Record<string, number> = {};
    for (const index of JSONB_INDEXES) {
      const s = stores[index]!;
      await s.createTable();
      await s.generate({ rows: ROWS, seed: SEED });
      const t0 = performance.now();
      await s.createIndex();
      buildMs[index] = performance.now() - t0;
      await setup.query(`VACUUM ANALYZE ${s.table}`);
    }
    // One connection per variant, so no variant waits for another's connection.
    const clients = Object.fromEntries(
      await Promise.all(JSONB_INDEXES.map(async (index) => [index, await db.client()] as const)),
    );
    const readers = Object.fromEntries(
      JSONB_INDEXES.map((index) => [index, documentStore(clients[index]!, { table: table(index), index })]),
    );

    // Same answers on every side, checked before timing; and each query warmed once per variant.
    for (const [kind, filters] of Object.entries(FILTERS))
      for (const query of filters) {
        const answers = await Promise.all(JSONB_INDEXES.map((index) => readers[index]!.find(query)));
        for (const a of answers.slice(1))
          if (JSON.stringify(a) !== JSON.stringify(answers[0]))
            throw new Error(`${kind} ${JSON.stringify(query)}: the variants returned different rows`);
        if (answers[0]!.length === 0) throw new Error(`${kind} ${JSON.stringify(query)}: no rows`);
      }

    const report = benchReport({
      parameters: {
        rows: ROWS,
        seed: SEED,
        document:
          'product: sku, category (20), brand (200), price, rating, tags (24, ~2 each), attrs {color (12), size (5)}, stock {warehouse, qty}, discount in 1 of 100',
        reads:
          'one statement at a time per variant, one connection each; SELECT id ... ORDER BY id, all matching ids returned',
        writeBatch: WRITE_BATCH,
        writes: `INSERT of ${WRITE_BATCH} documents (unnest of jsonb[]) in a transaction rolled back; GIN fastupdate on (the default)`,
        roundsTimeMs: `${ROUNDS} rounds x ${TIME_MS} ms per variant`,
        sharedBuffers: (await setup.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!.v,
        durability: await postgresDurability(setup),
      },
      services: ['postgres'],
    });

    for (const kind of Object.keys(FILTERS) as Array<keyof typeof FILTERS>) {
      const filters = FILTERS[kind];
      const variants = Object.fromEntries(
        JSONB_INDEXES.map((index) => {
          let i = 0;
          return [NAMES[index], async () => void (await readers[index]!.find(filters[i++ % filters.length]!))];
        }),
      );
      report.add(
        await compareThroughput({
          id: kind,
          title: `${SHAPES[kind]} on ${ROWS.toLocaleString('en')} documents: queries/s, one at a time`,
          variants,
          baseline: NAMES.none,
          rounds: ROUNDS,
          timeMs: TIME_MS,
        }),
      );
    }

    // Write cost: the same batch of documents inserted into each table, rolled back.
    const batch = (
      await setup.query<{ doc: object }>(`SELECT doc FROM ${table('none')} ORDER BY id LIMIT ${WRITE_BATCH}`)
    ).rows.map((r, i) => ({ id: 10_000_000 + i, doc: r.doc }));
    const insertRolledBack = async (client: pg.ClientBase, index: JsonbIndex): Promise<void> => {
      await client.query('BEGIN');
      try {
        await documentStore(client, { table: table(index), index }).insert(batch);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    report.add(
      await compareThroughput({
        id: 'write',
        title: `INSERT of ${WRITE_BATCH} documents into a table of ${ROWS.toLocaleString('en')}: batches/s`,
        variants: Object.fromEntries(
          JSONB_INDEXES.map((index) => [NAMES[index], async () => insertRolledBack(clients[index]!, index)]),
        ),
        baseline: NAMES.none,
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );

    for (const index of JSONB_INDEXES) {
      const { tableBytes, indexBytes } = await stores[index]!.sizes();
      const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
      report.add({
        id: `size-${index}`,
        title: `${NAMES[index]}: table size; index size and build time after the load`,
        value:
          index === 'none'
            ? `table ${mb(tableBytes)}, no index`
            : `table ${mb(tableBytes)}, index ${mb(indexBytes)} (${Math.round((indexBytes / tableBytes) * 100)}% of the table), built in ${Math.round(buildMs[index]!)} ms`,
      });
    }

    // The plans of every timed statement, both sides of each comparison.
    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const index of JSONB_INDEXES) {
      for (const kind of Object.keys(FILTERS) as Array<keyof typeof FILTERS>) {
        const { sql, values } = querySql(table(index), FILTERS[kind][0]!);
        plans[`${kind}-${index.replaceAll('_', '-')}`] = {
          sql: `${sql} -- ${JSON.stringify(values)}`,
          plan: await explainAnalyze(clients[index]!, sql, values),
        };
      }
      const c = clients[index]!;
      const sql = `INSERT INTO ${table(index)} (id, doc) SELECT * FROM unnest($1::bigint[], $2::jsonb[])`;
      await c.query('BEGIN');
      try {
        plans[`write-${index.replaceAll('_', '-')}`] = {
          sql: `${sql} -- ${WRITE_BATCH} documents, rolled back`,
          plan: await explainAnalyze(c, sql, [batch.map((d) => d.id), batch.map((d) => JSON.stringify(d.doc))]),
        };
      } finally {
        await c.query('ROLLBACK');
      }
    }
    savePlans(plans);

    await report.finish(
      'Containment @> on {param:rows} documents (roadmap: ~15x with GIN): GIN jsonb_path_ops {ratio:contains/GIN jsonb_path_ops}, ' +
        'GIN jsonb_ops {ratio:contains/GIN jsonb_ops} the queries/s of no index. jsonpath @?: jsonb_path_ops {ratio:path/GIN jsonb_path_ops}, ' +
        'jsonb_ops {ratio:path/GIN jsonb_ops}. Key existence ?: jsonb_ops {ratio:key/GIN jsonb_ops}; jsonb_path_ops cannot serve it: {ratio:key/GIN jsonb_path_ops}. ' +
        'Write cost, inserts of {param:writeBatch} documents: jsonb_path_ops {ratio:write/GIN jsonb_path_ops}, jsonb_ops {ratio:write/GIN jsonb_ops} the batches/s of no index.',
    );
  } finally {
    await db.close();
  }
});
