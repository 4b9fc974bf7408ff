// pnpm --filter poc-postgres-btree-index bench: the same orders with and without B-trees on the columns
// the queries search, side by side in one process: a point lookup by a non-key column (code), one day's
// totals (a range scan on placed_at), and what the two indexes cost every INSERT. Writes bench/results.json
// and bench/plans/ (EXPLAIN (ANALYZE, BUFFERS) of every timed statement, both sides).
// Data generation is untimed; both tables are ANALYZEd and warmed by the harness's warm-up calls.
// Benches run one at a time: this one waits for any bench of the repo already running.
import {
  benchProfile,
  benchReport,
  compareRounds,
  compareThroughput,
  explainAnalyze,
  postgresDatabase,
  postgresDurability,
  savePlans,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { EPOCH, SECONDS_PER_ORDER, orderRow, ordersTable, type OrdersTable } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 100_000 : 1_000_000;
const SEED = 1;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const TIME_MS = 1_000; // per variant per round (the short profile caps it)
const APPEND_ROWS = SHORT ? 10_000 : 50_000; // rows per timed insert sample
const APPEND_BATCH = 1_000; // rows per INSERT statement
const PROBES = 1_000; // distinct codes and days, visited in the same order by both sides

const DAY_MS = 86_400_000;
const days = Math.floor((ROWS * SECONDS_PER_ORDER * 1_000) / DAY_MS); // whole days the data covers
const codes = Array.from({ length: PROBES }, (_, i) => orderRow(1 + ((i * 7_919) % ROWS), SEED).code);
const dayStarts = Array.from({ length: PROBES }, (_, i) => new Date(EPOCH.getTime() + ((i * 13) % days) * DAY_MS));

/** Each variant walks the probes with its own cursor, so both sides ask the same questions in the same order. */
function cursor<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

runMain(async () => {
  const db = await postgresDatabase({ name: 'btree_index_bench' }); // a database of its own
  const pool = db.pool({ max: 2 });
  try {
    const plain = ordersTable(pool, { table: 'orders_plain', seed: SEED, indexed: false });
    const indexed = ordersTable(pool, { table: 'orders_indexed', seed: SEED });
    await plain.load(ROWS);
    await indexed.load(ROWS);
    const sizesBefore = await indexed.sizes();
    const plainSizes = await plain.sizes();
    const setting = async (name: string): Promise<string> =>
      (await pool.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;

    // Same answers on both sides, checked once before anything is timed.
    for (const code of codes.slice(0, 20)) {
      const [a, b] = await Promise.all([plain.findByCode(code), indexed.findByCode(code)]);
      if (!a || JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(`lookup of ${code} differs: ${JSON.stringify([a, b])}`);
    }
    for (const from of dayStarts.slice(0, 20)) {
      const to = new Date(from.getTime() + DAY_MS);
      const [a, b] = await Promise.all([plain.totalsBetween(from, to), indexed.totalsBetween(from, to)]);
      if (a.orders === 0 || JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(`day ${from.toISOString()} differs`);
    }

    const indexBytes = sizesBefore.indexBytes;
    const report = benchReport({
      parameters: {
        rows: ROWS,
        seed: SEED,
        columns:
          'id bigint PK, code text (md5, unique), placed_at timestamptz (~30 s apart, in insert order), amount_cents int',
        indexes: 'b-tree side: code, placed_at (+ the PK on both sides)',
        lookup: 'WHERE code = $1, 1,000 codes in turn',
        range: 'count + sum of one day (2,880 of the rows), 1,000 days in turn',
        insert: `${APPEND_ROWS} generated rows per sample in INSERT ... SELECT generate_series of ${APPEND_BATCH} rows`,
        rounds: ROUNDS,
        timeMsPerVariantPerRound: TIME_MS,
        connections: 'one pool of 2; one caller at a time',
        tableMB: mb(sizesBefore.tableBytes),
        indexesMB: mb(Object.values(indexBytes).reduce((a, b) => a + b, 0)),
        sharedBuffers: await setting('shared_buffers'),
        fitsInSharedBuffers:
          'no: the table alone is over half of shared_buffers, table + indexes exceed it (the rest is in the OS page cache, RAM)',
        maxParallelWorkersPerGather: await setting('max_parallel_workers_per_gather'),
        durability: await postgresDurability(pool),
      },
      services: ['postgres'],
    });

    const plainCode = cursor(codes);
    const indexedCode = cursor(codes);
    report.add(
      await compareThroughput({
        id: 'lookup',
        title: `Point lookup by code (a non-key column) on ${ROWS} rows: lookups/s`,
        variants: {
          'no index': () => plain.findByCode(plainCode()),
          'b-tree': () => indexed.findByCode(indexedCode()),
        },
        baseline: 'no index',
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );
    const plainDay = cursor(dayStarts);
    const indexedDay = cursor(dayStarts);
    const dayOf = (next: () => Date) => {
      const from = next();
      return [from, new Date(from.getTime() + DAY_MS)] as const;
    };
    report.add(
      await compareThroughput({
        id: 'range',
        title: `One day's count and sum by placed_at (a range scan) on ${ROWS} rows: queries/s`,
        variants: {
          'no index': () => plain.totalsBetween(...dayOf(plainDay)),
          'b-tree': () => indexed.totalsBetween(...dayOf(indexedDay)),
        },
        baseline: 'no index',
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );

    // Plans of the read shapes, before the inserts change the tables.
    const probeCode = codes[1]!;
    const [from, to] = [dayStarts[1]!, new Date(dayStarts[1]!.getTime() + DAY_MS)];
    const plans: Record<string, { sql: string; plan: string }> = {};
    const plan = async (name: string, sql: string, values: unknown[]): Promise<void> => {
      plans[name] = { sql, plan: await explainAnalyze(pool, sql, values) };
    };
    await plan('lookup-no-index', plain.sql.findByCode, [probeCode]);
    await plan('lookup-b-tree', indexed.sql.findByCode, [probeCode]);
    await plan('range-no-index', plain.sql.totalsBetween, [from, to]);
    await plan('range-b-tree', indexed.sql.totalsBetween, [from, to]);

    /** One timed sample: APPEND_ROWS more rows through the table's indexes. */
    const append = (table: OrdersTable) => async () => {
      const t0 = performance.now();
      await table.append(APPEND_ROWS, { batchRows: APPEND_BATCH });
      return { ops: APPEND_ROWS, seconds: (performance.now() - t0) / 1_000 };
    };
    await append(plain)(); // warm-up, untimed
    await append(indexed)();
    report.add(
      await compareRounds({
        id: 'insert',
        title: `Inserts of ${APPEND_BATCH}-row statements into the ${ROWS}-row table: rows/s`,
        variants: { 'no index': append(plain), 'b-tree': append(indexed) },
        baseline: 'no index',
        rounds: ROUNDS,
        unit: 'rows/s',
      }),
    );
    // The INSERT's plan on each side, in a transaction rolled back (EXPLAIN ANALYZE runs it).
    const client = await pool.connect();
    try {
      for (const [name, table] of [
        ['insert-no-index', plain],
        ['insert-b-tree', indexed],
      ] as const) {
        await client.query('BEGIN');
        const first =
          1 + Number((await client.query<{ m: string }>(`SELECT max(id) AS m FROM ${table.table}`)).rows[0]!.m);
        plans[name] = {
          sql: table.sql.insertIds,
          plan: await explainAnalyze(client, table.sql.insertIds, [first, first + APPEND_BATCH - 1, SEED]),
        };
        await client.query('ROLLBACK');
      }
    } finally {
      client.release();
    }
    savePlans(plans);

    const sizes = await indexed.sizes();
    const secondary = indexBytes['orders_indexed_code_idx']! + indexBytes['orders_indexed_placed_at_idx']!;
    report.add({
      id: 'sizes',
      title: `On-disk sizes after the load of ${ROWS} rows`,
      value: `table ${mb(sizesBefore.tableBytes)} MB; B-tree on code ${mb(indexBytes['orders_indexed_code_idx']!)} MB, on placed_at ${mb(indexBytes['orders_indexed_placed_at_idx']!)} MB, primary key ${mb(indexBytes['orders_indexed_pkey']!)} MB; the two B-trees are ${Math.round((secondary / sizesBefore.tableBytes) * 100)}% of the table`,
    });
    report.add({
      id: 'plain-size',
      title: 'The table without the B-trees (same rows)',
      value: `table ${mb(plainSizes.tableBytes)} MB, primary key ${mb(plainSizes.indexBytes['orders_plain_pkey']!)} MB`,
    });
    report.add({
      id: 'sizes-after-inserts',
      title: 'The b-tree side after the timed inserts (indexes grow with every row)',
      value: `table ${mb(sizes.tableBytes)} MB; code ${mb(sizes.indexBytes['orders_indexed_code_idx']!)} MB, placed_at ${mb(sizes.indexBytes['orders_indexed_placed_at_idx']!)} MB`,
    });
    await report.finish(
      'On {param:rows} rows, a point lookup by a non-key column with a B-tree ÷ without = {ratio:lookup/b-tree} ' +
        '(roadmap: ~64x faster lookups); one day of a range (count + sum): {ratio:range/b-tree}. ' +
        'The price: insert rate with the two B-trees ÷ without = {ratio:insert/b-tree}; {fact:sizes}.',
    );
  } finally {
    await pool.end();
    await db.close();
  }
});
