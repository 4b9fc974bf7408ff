// pnpm --filter poc-postgres-sequences bench: insert throughput of one table per key type (bigint
// identity = a sequence, UUIDv4 and UUIDv7 made in the client by the uuid package, MAX()+1 retried on
// 23505) as ratios to the sequence, at two table sizes: an index that fits in shared_buffers and one
// well past it. Index size and leaf fill per key type as facts; EXPLAIN (ANALYZE, BUFFERS, WAL) of one
// batch per key type and phase saved in bench/plans/ (buffers touched, WAL bytes, full-page images).
//
// A private server of the bench's own with shared_buffers=16MB and PostgreSQL's default durability
// (fsync, synchronous_commit, full_page_writes on): the small cache makes "index larger than the cache"
// reachable with a table the bench can fill in seconds; the sizes are in the parameters.
// Same work on every side: a sample is BATCHES inserts of BATCH rows, one statement and one transaction
// each, by CONCURRENCY callers; the rate counts committed rows only (a MAX()+1 batch that hit 23505 is
// retried and counted once). Every table starts at the same row count; rounds are interleaved and
// rotated (compareRounds), one untimed warm-up sample per table.
import { benchProfile, benchReport, compareRounds, postgresDurability, savePlans } from '@poc/harness/bench';
import { privatePostgres } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import pg from 'pg';
import {
  identityKeys,
  isSequencesError,
  keyedTable,
  prefill,
  uuidV4Keys,
  uuidV7Keys,
  type KeyedTable,
  type KeyStrategy,
} from '../src/index.ts';
import { maxPlusOneKeys, maxPlusOneTable } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const SHARED_BUFFERS = '16MB';
const CONCURRENCY = 4;
const BATCH = 100; // rows per INSERT
const BATCHES = SHORT ? 50 : 300; // per sample
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const PHASES = { fits: 0, exceeds: SHORT ? 200_000 : 1_000_000 } as const; // rows before the first sample

const KINDS: Array<[id: string, keys: KeyStrategy]> = [
  ['sequence', identityKeys],
  ['uuidv4', uuidV4Keys],
  ['uuidv7', uuidV7Keys],
  ['max-plus-one', maxPlusOneKeys],
];

const payloads = Array.from({ length: BATCH }, (_, i) => `order payload ${i}`);

/** One sample: CONCURRENCY callers share BATCHES inserts; duplicate keys (MAX()+1) are retried. */
function sample(table: KeyedTable, batches: number, retries: { n: number }) {
  return async () => {
    let left = batches;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left > 0) {
          left--;
          for (;;) {
            try {
              await table.insert(payloads);
              break;
            } catch (e) {
              if (!isSequencesError(e, 'duplicate-key')) throw e;
              retries.n++;
            }
          }
        }
      }),
    );
    return { ops: batches * BATCH, seconds: (performance.now() - t0) / 1_000 };
  };
}

/** EXPLAIN (ANALYZE, BUFFERS, WAL) of one batch, rolled back. MAX()+1 as one statement (the same index work). */
async function explainBatch(pool: pg.Pool, name: string, keys: KeyStrategy): Promise<{ sql: string; plan: string }> {
  const t = `"${name}"`;
  const [sql, values]: [string, unknown[]] = keys.generate
    ? [`INSERT INTO ${t} (id, payload) SELECT * FROM unnest($1::uuid[], $2::text[])`, [keys.generate(BATCH), payloads]]
    : keys === maxPlusOneKeys
      ? [
          `INSERT INTO ${t} (id, payload) SELECT (SELECT max(id) FROM ${t}) + o, p FROM unnest($1::text[]) WITH ORDINALITY u(p, o)`,
          [payloads],
        ]
      : [`INSERT INTO ${t} (payload) SELECT p FROM unnest($1::text[]) WITH ORDINALITY u(p, o) ORDER BY o`, [payloads]];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${sql}`, values);
    await client.query('ROLLBACK');
    return { sql, plan: rows.map((r) => r['QUERY PLAN']).join('\n') };
  } finally {
    client.release();
  }
}

const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);

runMain(async () => {
  const server = await privatePostgres({ config: [['shared_buffers', SHARED_BUFFERS]] });
  const pool = new pg.Pool({ connectionString: server.url, max: CONCURRENCY + 1 });
  pool.on('error', () => {}); // idle connections end when the server stops at the end
  try {
    const report = benchReport({
      parameters: {
        server: `private PostgreSQL, shared_buffers=${SHARED_BUFFERS}`,
        concurrency: CONCURRENCY,
        rowsPerInsert: BATCH,
        insertsPerSample: BATCHES,
        rounds: ROUNDS,
        rowsBeforeFits: PHASES.fits,
        rowsBeforeExceeds: PHASES.exceeds,
        keys: 'bigint GENERATED ALWAYS AS IDENTITY; uuid v4 and v7 from the uuid package (client); MAX(id)+1 read then inserted, retried on 23505',
        timed: 'BATCHES inserts of BATCH rows, each one statement in its own transaction, all committed',
        durability: await postgresDurability(pool),
      },
      services: ['postgres'],
    });
    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const [phase, before] of Object.entries(PHASES)) {
      const tables = new Map<string, KeyedTable>();
      for (const [id, keys] of KINDS) {
        const name = `${phase}_${id.replaceAll('-', '_')}`;
        const table =
          keys === maxPlusOneKeys ? maxPlusOneTable(pool, { table: name }) : keyedTable(pool, keys, { table: name });
        await table.create();
        if (before > 0) await prefill(pool, name, keys, before); // untimed, index in place
        tables.set(id, table);
      }
      const retries = new Map(KINDS.map(([id]) => [id, { n: 0 }]));
      for (const [id] of KINDS) await sample(tables.get(id)!, BATCHES, { n: 0 })(); // warm-up, untimed
      report.add(
        await compareRounds({
          id: phase,
          title:
            `Insert ${BATCH}-row batches, ${CONCURRENCY} callers, tables starting at ${before.toLocaleString('en')} rows ` +
            `(index ${phase === 'fits' ? 'within' : 'past'} shared_buffers=${SHARED_BUFFERS}): committed rows/s`,
          kind: 'load',
          concurrency: CONCURRENCY,
          variants: Object.fromEntries(KINDS.map(([id]) => [id, sample(tables.get(id)!, BATCHES, retries.get(id)!)])),
          baseline: 'sequence',
          rounds: ROUNDS,
          unit: 'rows/s',
        }),
      );
      for (const [id, keys] of KINDS) {
        const stats = await tables.get(id)!.indexStats();
        report.add({
          id: `${phase}-${id}-index`,
          title: `${phase}: ${keys.name} primary key index after the run (${stats.rows.toLocaleString('en')} rows)`,
          value: `${mib(stats.indexBytes)} MiB, leaves ${stats.avgLeafDensity}% full`,
        });
        plans[`${phase}-${id}`] = await explainBatch(pool, tables.get(id)!.table, keys);
      }
      report.add({
        id: `${phase}-max-plus-one-retries`,
        title: `${phase}: MAX()+1 inserts that hit 23505 and were retried (timed rounds)`,
        value: `${retries.get('max-plus-one')!.n} retries for ${(BATCHES * ROUNDS).toLocaleString('en')} committed inserts`,
      });
    }
    savePlans(plans);
    await report.finish(
      `Inserts of {param:rowsPerInsert}-row batches, {param:concurrency} callers, rows/s as a ratio to the sequence's (bigint identity), ` +
        `index past shared_buffers ({param:rowsBeforeExceeds} rows): UUIDv4 {ratio:exceeds/uuidv4}, UUIDv7 ` +
        `{ratio:exceeds/uuidv7}, MAX()+1 {ratio:exceeds/max-plus-one} ({fact:exceeds-max-plus-one-retries}); ` +
        `index fits: UUIDv4 {ratio:fits/uuidv4}, UUIDv7 {ratio:fits/uuidv7}, MAX()+1 {ratio:fits/max-plus-one}. ` +
        `Index at {param:rowsBeforeExceeds}+ rows: sequence {fact:exceeds-sequence-index}, v4 {fact:exceeds-uuidv4-index}, ` +
        `v7 {fact:exceeds-uuidv7-index} (roadmap: ~7x faster ids).`,
    );
  } finally {
    await pool.end();
    await server.close();
  }
});
