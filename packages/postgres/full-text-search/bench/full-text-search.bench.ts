// pnpm --filter poc-postgres-full-text-search bench: the roadmap's claim (~56x faster than LIKE) as
// ratios: full-text search through a GIN index on a generated tsvector vs ILIKE '%term%' by seq scan vs
// the same ILIKE through pg_trgm's GIN indexes (what users pick instead), side by side in one process;
// writes bench/results.json and the EXPLAIN (ANALYZE, BUFFERS) of every timed statement to bench/plans/.
//
// Data: ROWS generated articles (src/corpus.ts, seed 1) in three tables with the same rows: `articles`
// (a stored tsvector and its GIN), `trigram` (title and body, trigram GIN on both) and `plain` (title
// and body, no index but the primary key), loaded
// untimed, VACUUM ANALYZE, every statement run once before timing. Each call searches the next word
// of TERMS (rare words with no inflection or longer word containing them in the vocabulary), so all
// variants return the same ids; that is checked before timing. One statement at a time, one
// connection per variant. Every timed function is declared `async`: tinybench calls a plain function
// once to find out whether it returns a promise, which would leave a query in flight.
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
import { BODY_WORDS, TITLE_WORDS, VOCABULARY, articleSearch, statementSql } from '../src/index.ts';
import { createPlainTable, likeSearch, likeSql } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 20_000 : 100_000;
const SEED = 1;
const TERMS = ['kubernetes', 'telemetry', 'histogram', 'handshake', 'thesaurus'];
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const TIME_MS = 1_500;

const SEQ = 'ILIKE, seq scan';
const TRGM = 'ILIKE + trigram GIN';
const FTS = 'FTS + GIN';

runMain(async () => {
  const db = await postgresDatabase({ name: 'fts_bench' });
  try {
    const setup = db.pool({ max: 2 });
    // Each variant gets the table its users would have: FTS a table with the tsvector column and its
    // GIN; ILIKE + pg_trgm and ILIKE alone a table of title and body, with and without trigram GIN.
    const indexed = articleSearch(setup, { table: 'articles' });
    const trigrams = articleSearch(setup, { table: 'trigram' });
    const plain = articleSearch(setup, { table: 'plain' });
    await indexed.createTable();
    await createPlainTable(setup, 'trigram');
    await createPlainTable(setup, 'plain');
    for (const s of [indexed, trigrams, plain]) await s.generate({ rows: ROWS, seed: SEED });
    const buildMs: Record<string, number> = {};
    let t0 = performance.now();
    await indexed.createIndexes({ fts: true, trigram: false });
    buildMs['fts'] = performance.now() - t0;
    t0 = performance.now();
    await trigrams.createIndexes({ fts: false, trigram: true });
    buildMs['trigram'] = performance.now() - t0;
    for (const t of ['articles', 'trigram', 'plain']) await setup.query(`VACUUM ANALYZE ${t}`);

    const [c1, c2, c3] = [await db.client(), await db.client(), await db.client()];
    const fts = articleSearch(c1, { table: 'articles' });
    const trigram = likeSearch(c2, { table: 'trigram' });
    const seq = likeSearch(c3, { table: 'plain' });

    // Same answers on every side (and each statement warmed once), before anything is timed.
    const matches: number[] = [];
    for (const term of TERMS) {
      const [a, b, c] = [await fts.matchingIds(term), await trigram.matchingIds(term), await seq.matchingIds(term)];
      if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(b) !== JSON.stringify(c))
        throw new Error(`"${term}": FTS, ILIKE + trigram and ILIKE by seq scan returned different ids`);
      if (a.length === 0) throw new Error(`"${term}": no articles`);
      matches.push(a.length);
    }

    const report = benchReport({
      parameters: {
        rows: ROWS,
        seed: SEED,
        article: `title ${TITLE_WORDS.join('-')} words, body ${BODY_WORDS.join('-')} words, Zipf-distributed over a ${VOCABULARY.length}-word vocabulary`,
        terms: TERMS.join(', '),
        matchesPerTerm: `${Math.min(...matches)}-${Math.max(...matches)} articles (${((Math.min(...matches) / ROWS) * 100).toFixed(1)}-${((Math.max(...matches) / ROWS) * 100).toFixed(1)}%)`,
        statement:
          'all matching ids, ORDER BY id; FTS: search @@ websearch_to_tsquery(english); ILIKE: title ILIKE $1 OR body ILIKE $1',
        calls: 'one statement at a time per variant, one connection each',
        roundsTimeMs: `${ROUNDS} rounds x ${TIME_MS} ms per variant`,
        sharedBuffers: (await setup.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!.v,
        durability: await postgresDurability(setup),
      },
      services: ['postgres'],
    });

    const cycling = (find: (term: string) => Promise<number[]>) => {
      let i = 0;
      return async (): Promise<void> => void (await find(TERMS[i++ % TERMS.length]!));
    };
    report.add(
      await compareThroughput({
        id: 'term',
        title: `One rare word in ${ROWS.toLocaleString('en')} articles, all matching ids: queries/s, one at a time`,
        variants: {
          [SEQ]: cycling((t) => seq.matchingIds(t)),
          [TRGM]: cycling((t) => trigram.matchingIds(t)),
          [FTS]: cycling((t) => fts.matchingIds(t)),
        },
        baseline: SEQ,
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );
    report.add(
      await compareThroughput({
        id: 'vs-trigram',
        title: `The same statements, FTS against what users pick instead (ILIKE through pg_trgm): queries/s`,
        variants: { [TRGM]: cycling((t) => trigram.matchingIds(t)), [FTS]: cycling((t) => fts.matchingIds(t)) },
        baseline: TRGM,
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );

    const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
    const { tableBytes, indexes } = await indexed.sizes();
    const trigramSizes = await trigrams.sizes();
    report.add({
      id: 'tables',
      title: 'table sizes: with the stored tsvector (FTS); title and body only (ILIKE)',
      value: `${mb(tableBytes)}; ${mb(trigramSizes.tableBytes)}`,
    });
    report.add({
      id: 'index-fts',
      title: 'tsvector GIN: size and build time',
      value: `${mb(indexes['articles_search_gin']!)}, built in ${Math.round(buildMs['fts']!)} ms`,
    });
    report.add({
      id: 'index-trigram',
      title: 'trigram GIN on title and body: size and build time',
      value: `${mb(trigramSizes.indexes['trigram_title_trgm']! + trigramSizes.indexes['trigram_body_trgm']!)}, built in ${Math.round(buildMs['trigram']!)} ms`,
    });

    const term = TERMS[0]!;
    const plan = async (client: typeof c1, q: { sql: string; values: unknown[] }) => ({
      sql: `${q.sql} -- ${JSON.stringify(q.values)}`,
      plan: await explainAnalyze(client, q.sql, q.values),
    });
    savePlans({
      'ilike-seq-scan': await plan(c3, likeSql('plain', term)),
      'ilike-trigram-gin': await plan(c2, likeSql('trigram', term)),
      'fts-gin': await plan(c1, statementSql('articles', 'english', { match: term })),
      'fts-gin-ranked-top10': await plan(c1, statementSql('articles', 'english', { ranked: term })),
    });

    await report.finish(
      'One rare word in {param:rows} articles (roadmap: ~56x vs LIKE): FTS + GIN {ratio:term/FTS + GIN} the queries/s of ILIKE by seq scan; ' +
        'ILIKE through pg_trgm GIN {ratio:term/ILIKE + trigram GIN}; FTS against ILIKE through pg_trgm: {ratio:vs-trigram/FTS + GIN}.',
    );
  } finally {
    await db.close();
  }
});
