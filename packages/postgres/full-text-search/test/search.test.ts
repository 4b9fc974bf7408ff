// 10,000 generated articles in two tables with the same rows: `articles` (tsvector GIN + trigram GIN on
// title and body) and `plain` (title and body only, no index). The suite shows where the two kinds of search agree (a rare
// word: FTS, ILIKE through pg_trgm and ILIKE by seq scan return the same ids, checked against an
// in-memory oracle), where their semantics differ (stemming, substrings, typos, phrases), that ranking
// orders by weight, and which plan answers each statement. The bench uses 100,000 articles.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RANKINGS,
  VOCABULARY,
  article,
  articleSearch,
  insertArticles,
  type Article,
  type ArticleSearch,
} from '../src/index.ts';
import { createPlainTable, likeSearch, type LikeSearch } from '../src/naive.ts';

const ROWS = 10_000;
const SEED = 1;
/** Words of the vocabulary's tail that have no inflected form or longer word containing them in the vocabulary: both kinds of search must agree on them. */
export const RARE_TERMS = ['kubernetes', 'telemetry', 'histogram', 'handshake', 'thesaurus'];

let db: PostgresDatabase;
let pool: pg.Pool;
let fts: ArticleSearch;
let trigramLike: LikeSearch;
let seqLike: LikeSearch;
const corpus: Article[] = Array.from({ length: ROWS }, (_, i) => article(SEED, i + 1));
/** The ids of the articles whose "title body" matches a regular expression: the oracle. */
const oracle = (re: RegExp): number[] => corpus.filter((a) => re.test(`${a.title} ${a.body}`)).map((a) => a.id);

beforeAll(async () => {
  db = await postgresDatabase({ name: 'fts_search' });
  pool = db.pool();
  fts = articleSearch(pool, { table: 'articles' });
  const plain = articleSearch(pool, { table: 'plain' }); // for its generator and ANALYZE: the table has no tsvector
  await fts.createTable();
  await createPlainTable(pool, 'plain');
  for (const s of [fts, plain]) await s.generate({ rows: ROWS, seed: SEED, batchSize: 3_000 });
  await fts.createIndexes();
  await fts.buildLexicon();
  await fts.analyze();
  await plain.analyze();
  trigramLike = likeSearch(pool, { table: 'articles' });
  seqLike = likeSearch(pool, { table: 'plain' });
}, 60_000);
afterAll(() => db?.close());

describe('the corpus generator', () => {
  it('is deterministic: the same seed gives the same articles in both tables and in memory, another seed others', async () => {
    const digest = async (table: string): Promise<string> =>
      (await pool.query<{ md5: string }>(`SELECT md5(string_agg(id || title || body, '|' ORDER BY id)) FROM ${table}`))
        .rows[0]!.md5;
    expect(await digest('plain')).toBe(await digest('articles'));
    const { rows } = await pool.query<{ title: string; body: string }>(
      'SELECT title, body FROM articles WHERE id = 4321',
    );
    expect(rows[0]).toEqual({ title: corpus[4320]!.title, body: corpus[4320]!.body });
    expect(article(SEED + 1, 4321).body).not.toBe(corpus[4320]!.body);
  });

  it("follows Zipf's law: the most frequent word is several times as frequent as the 10th, which is several times the 100th", () => {
    const counts = new Map<string, number>();
    for (const a of corpus.slice(0, 3_000))
      for (const w of `${a.title} ${a.body}`.toLowerCase().split(/[^a-z]+/))
        if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    const freq = (rank: number): number => counts.get(VOCABULARY[rank - 1]!) ?? 0;
    // Theory: f(r) ~ ln((r+1)/r): f(1)/f(10) = 7.3, f(10)/f(100) = 9.6 (collocations add a little to a few words).
    expect(freq(1) / freq(10)).toBeGreaterThan(5);
    expect(freq(1) / freq(10)).toBeLessThan(11);
    expect(freq(10) / freq(100)).toBeGreaterThan(6);
    expect(freq(10) / freq(100)).toBeLessThan(14);
  });
});

describe('where they agree: a rare, uninflected word', () => {
  it.each(RARE_TERMS)(
    '"%s": FTS + GIN, ILIKE through pg_trgm and ILIKE by seq scan return the oracle\'s ids',
    async (term) => {
      const expected = oracle(new RegExp(`\\b${term}\\b`, 'i'));
      expect(expected.length).toBeGreaterThan(50);
      expect(await fts.matchingIds(term)).toEqual(expected);
      expect(await trigramLike.matchingIds(term)).toEqual(expected);
      expect(await seqLike.matchingIds(term)).toEqual(expected);
    },
  );
});

describe('where they differ', () => {
  it('stemming: FTS for "running" also finds "run" and "runs"; ILIKE \'%running%\' finds only the spelling', async () => {
    const stemmed = await fts.matchingIds('running');
    const like = await seqLike.matchingIds('running');
    expect(stemmed).toEqual(oracle(/\b(run|runs|running)\b/i));
    expect(like).toEqual(oracle(/running/i));
    expect(like.every((id) => stemmed.includes(id))).toBe(true);
    expect(stemmed.length).toBeGreaterThan(like.length * 2);
  });

  it("substrings: ILIKE '%run%' also returns articles that only say truncate, brunch, grunt, pruned, runtime or rerun; FTS does not", async () => {
    const like = await seqLike.matchingIds('run');
    const stemmed = await fts.matchingIds('run');
    expect(like).toEqual(oracle(/run/i));
    expect(stemmed).toEqual(oracle(/\b(run|runs|running)\b/i));
    const onlySubstring = like.filter((id) => !stemmed.includes(id));
    expect(onlySubstring.length).toBeGreaterThan(100);
    for (const id of onlySubstring.slice(0, 50)) {
      const a = corpus[id - 1]!;
      expect(`${a.title} ${a.body}`).toMatch(/truncate|brunch|brunt|grunt|runtime|rerun|runner|prune/i);
    }
  });

  it('typos: "databse" finds nothing by FTS or ILIKE; pg_trgm suggests "database" and word_similarity finds the articles', async () => {
    expect(await fts.matchingIds('databse')).toEqual([]);
    expect(await seqLike.matchingIds('databse')).toEqual([]);
    expect((await fts.suggest('databse', { limit: 3 }))[0]!.word).toBe('database');
    const hits = await fts.fuzzy('databse', { limit: 20 });
    expect(hits).toHaveLength(20);
    for (const h of hits) expect(corpus[h.id - 1]!.body).toMatch(/database/i);
  });

  it('websearch syntax: "connection pool" -redis is a phrase (any inflection, across a full stop) without the excluded word', async () => {
    const ids = await fts.matchingIds('"connection pool" -redis');
    const phrase = /\bconnect(s|ed|ing|ion|ions)?[.\s]+pool(s|ed|ing)?\b/i;
    expect(ids).toEqual(
      corpus
        .filter((a) => phrase.test(`${a.title} ${a.body}`) && !/\bredis\b/i.test(`${a.title} ${a.body}`))
        .map((a) => a.id),
    );
    expect(ids.length).toBeGreaterThan(50);
  });
});

describe('ranking and the generated column', () => {
  it.each(RANKINGS)(
    '%s: a match in the title (weight A) outranks the same match in the body (weight B); scores never rise',
    async (ranking) => {
      await insertArticles(pool, 'articles', [
        { id: 900_001, title: 'Body only', body: 'A note about the zeppelin hangar.' },
        { id: 900_002, title: 'The zeppelin hangar', body: 'A note about the hangar.' },
      ]);
      try {
        const hits = await fts.search('zeppelin', { ranking });
        expect(hits.map((h) => h.id)).toEqual([900_002, 900_001]);
        expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
        const common = await fts.search('cache index', { ranking, limit: 50 });
        expect(common).toHaveLength(50);
        for (let i = 1; i < common.length; i++) expect(common[i]!.score).toBeLessThanOrEqual(common[i - 1]!.score);
      } finally {
        await pool.query('DELETE FROM articles WHERE id > 900000');
      }
    },
  );

  it('the tsvector follows an UPDATE of the body with no trigger (a generated column)', async () => {
    const before = await pool.query<{ body: string }>('SELECT body FROM articles WHERE id = 77');
    try {
      await pool.query(`UPDATE articles SET body = body || ' Zeppelin.' WHERE id = 77`);
      expect(await fts.matchingIds('zeppelins')).toEqual([77]);
    } finally {
      await pool.query('UPDATE articles SET body = $1 WHERE id = 77', [before.rows[0]!.body]);
    }
    expect(await fts.matchingIds('zeppelins')).toEqual([]);
  });
});

describe('plans', () => {
  it('FTS @@ reads the tsvector GIN index; ranked search too', async () => {
    expect((await fts.explain({ match: 'kubernetes' })).scans).toContain('Bitmap Index Scan on articles_search_gin');
    expect((await fts.explain({ ranked: 'kubernetes' })).scans).toContain('Bitmap Index Scan on articles_search_gin');
  });

  it("ILIKE '%term%' reads pg_trgm's GIN indexes on title and body where they exist, and every row where not", async () => {
    const indexed = (await trigramLike.explain('kubernetes')).scans;
    expect(indexed).toEqual(
      expect.arrayContaining(['Bitmap Index Scan on articles_title_trgm', 'Bitmap Index Scan on articles_body_trgm']),
    );
    const seq = (await seqLike.explain('kubernetes')).scans;
    expect(seq.some((s) => s === 'Seq Scan on plain' || s === 'Index Scan on plain_pkey')).toBe(true);
    expect(seq.some((s) => s.startsWith('Bitmap'))).toBe(false);
  });

  it('the trigram index on the body is many times the size of the tsvector GIN index', async () => {
    const { indexes } = await fts.sizes();
    expect(indexes['articles_body_trgm']).toBeGreaterThan(3 * indexes['articles_search_gin']!);
  });
});
