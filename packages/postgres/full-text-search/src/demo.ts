// pnpm --filter poc-postgres-full-text-search demo: 20,000 generated articles, then the same questions
// asked by full-text search (tsvector + GIN) and by ILIKE '%term%' (through pg_trgm and by seq scan):
// where they agree, where their semantics differ, ranking, typo tolerance, and the plan of each.
// Timings are the bench's job.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { articleSearch } from './index.ts';
import { createPlainTable, likeSearch } from './naive.ts';

const ROWS = 20_000;
const say = (line = ''): void => console.log(line);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    const pool = db.pool();
    const fts = articleSearch(pool, { table: 'articles' });
    const plain = articleSearch(pool, { table: 'plain' });
    await fts.createTable();
    await createPlainTable(pool, 'plain'); // title and body only
    for (const s of [fts, plain]) await s.generate({ rows: ROWS, seed: 1 });
    await fts.createIndexes();
    const words = await fts.buildLexicon();
    await fts.analyze();
    await plain.analyze();
    const trigram = likeSearch(pool, { table: 'articles' });
    const seq = likeSearch(pool, { table: 'plain' });

    say(
      `PostgreSQL ${server.version} (${server.provider}). ${ROWS.toLocaleString('en')} articles (seed 1) in "articles" and "plain":`,
    );
    const { tableBytes, indexes } = await fts.sizes();
    say(
      `  articles: table ${mb(tableBytes)}; tsvector GIN ${mb(indexes['articles_search_gin']!)}; trigram GIN title ${mb(indexes['articles_title_trgm']!)}, body ${mb(indexes['articles_body_trgm']!)}; lexicon of ${words} words`,
    );
    say('  plain: the same rows, title and body only, no index but the primary key');
    const { rows } = await pool.query<{ title: string; body: string }>('SELECT title, body FROM articles WHERE id = 1');
    say(`  article 1: "${rows[0]!.title}" / "${rows[0]!.body.slice(0, 100)}..."`);

    const compare = async (label: string, ftsText: string, likeTerm: string): Promise<void> => {
      const f = await fts.matchingIds(ftsText);
      const t = await trigram.matchingIds(likeTerm);
      const s = await seq.matchingIds(likeTerm);
      say(`${label}`);
      const line = async (label: string, n: number, scans: Promise<{ scans: string[] }>): Promise<void> =>
        say(`  ${label.padEnd(32)} ${String(n).padStart(5)} articles  ${(await scans).scans.join(' > ')}`);
      await line(`FTS ${JSON.stringify(ftsText)}`, f.length, fts.explain({ match: ftsText }));
      await line(`ILIKE '%${likeTerm}%' (trigram)`, t.length, trigram.explain(likeTerm));
      await line(`ILIKE '%${likeTerm}%' (plain)`, s.length, seq.explain(likeTerm));
      const only = f.filter((id) => !t.includes(id)).length;
      const missed = t.filter((id) => !f.includes(id)).length;
      say(`  same ids: ${only === 0 && missed === 0 ? 'yes' : `no (${only} only by FTS, ${missed} only by ILIKE)`}`);
      say('');
    };
    say('');
    await compare('A rare word: both find the same articles.', 'kubernetes', 'kubernetes');
    await compare('Stemming: FTS for "running" also finds "run" and "runs".', 'running', 'running');
    await compare(
      'Substrings: ILIKE "run" also matches truncate, brunch, grunt, pruned, runtime, rerun.',
      'run',
      'run',
    );
    await compare('A typo: neither finds "databse".', 'databse', 'databse');

    say('pg_trgm for the typo:');
    const suggestions = await fts.suggest('databse', { limit: 3 });
    say(`  did you mean: ${suggestions.map((s) => `${s.word} (${s.similarity.toFixed(2)})`).join(', ')}`);
    const fuzzy = await fts.fuzzy('databse', { limit: 3 });
    say(
      `  word_similarity('databse', body) >= 0.6: ${fuzzy.map((h) => `#${h.id} (${h.score.toFixed(2)})`).join(', ')}`,
    );
    say('');

    say('Ranked, websearch syntax: "connection pool" -redis (top 3)');
    for (const ranking of ['ts_rank', 'ts_rank_cd'] as const) {
      const hits = await fts.search('"connection pool" -redis', { limit: 3, ranking });
      say(`  ${ranking.padEnd(10)} ${hits.map((h) => `#${h.id} ${h.score.toFixed(3)} "${h.title}"`).join('; ')}`);
    }
    say(`  plan: ${(await fts.explain({ ranked: '"connection pool" -redis', limit: 3 })).scans.join(' > ')}`);
  } finally {
    await db.close();
  }
});
