// The data: short articles (a title and a body) written from src/vocabulary.ts with Zipf's word
// distribution, deterministic from a seed. Every article has its own random stream, seeded from
// (seed, id), so article 5,000 is the same whether it was generated alone or in a batch of 50,000.
// Rows go to PostgreSQL in batches, one INSERT ... SELECT FROM unnest(...) per batch.
import { check, postgresCall } from './errors.ts';
import { checkTable, type Queryable } from './search.ts';
import { COLLOCATIONS, VOCABULARY } from './vocabulary.ts';

export interface Article {
  id: number;
  title: string;
  body: string;
}

/** Words in a title: TITLE_WORDS[0] .. TITLE_WORDS[1]; in a body: BODY_WORDS[0] .. BODY_WORDS[1]. */
export const TITLE_WORDS = [3, 8] as const;
export const BODY_WORDS = [40, 120] as const;
/** One word slot in COLLOCATION_ONE_IN becomes a collocation ("connection pool"). */
export const COLLOCATION_ONE_IN = 40;

/** A small, fast, well-mixed 32-bit generator (mulberry32) seeded by splitmix of (seed, id). */
function randomFor(seed: number, id: number): () => number {
  let s = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(id, 0xc2b2ae35);
  s = Math.imul(s ^ (s >>> 16), 0x7feb352d);
  s = Math.imul(s ^ (s >>> 15), 0x846ca68b) ^ (s >>> 16);
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Zipf's law without a table: a rank drawn log-uniformly from [1, V+1) has probability
 * ln((r+1)/r) / ln(V+1), close to 1 / (r ln V): the 1st word is about 1.7x as frequent as the 2nd
 * and 70x as frequent as the 100th.
 */
const zipfWord = (random: () => number): string =>
  VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor((VOCABULARY.length + 1) ** random()) - 1)]!;

function words(random: () => number, [min, max]: readonly [number, number]): string[] {
  const n = min + Math.floor(random() * (max - min + 1));
  const out: string[] = [];
  while (out.length < n) {
    if (random() * COLLOCATION_ONE_IN < 1)
      out.push(...COLLOCATIONS[Math.floor(random() * COLLOCATIONS.length)]!.split(' '));
    else out.push(zipfWord(random));
  }
  return out;
}

/** Sentences of 6-14 words, capitalised, ending in a full stop. */
function prose(list: string[], random: () => number): string {
  const sentences: string[] = [];
  for (let i = 0; i < list.length;) {
    const n = 6 + Math.floor(random() * 9);
    const s = list.slice(i, i + n).join(' ');
    sentences.push(`${s[0]!.toUpperCase()}${s.slice(1)}.`);
    i += n;
  }
  return sentences.join(' ');
}

/** Article `id` of the corpus with this seed. */
export function article(seed: number, id: number): Article {
  const random = randomFor(seed, id);
  const t = words(random, TITLE_WORDS);
  const title = `${t[0]![0]!.toUpperCase()}${t.join(' ').slice(1)}`;
  return { id, title, body: prose(words(random, BODY_WORDS), random) };
}

export interface GenerateOptions {
  /** Articles to add, with ids firstId .. firstId + rows - 1. */
  rows: number;
  /** The same seed gives the same articles. */
  seed: number;
  /** Default 1. */
  firstId?: number;
  /** Articles per INSERT (default 5,000). */
  batchSize?: number;
  signal?: AbortSignal;
}

/** Adds generated articles to `table` (id, title, body), one INSERT per batch. Returns the number added. */
export async function generateArticles(db: Queryable, table: string, options: GenerateOptions): Promise<number> {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  checkTable('table', table);
  check.options('options', options);
  const { rows, seed, firstId = 1, batchSize = 5_000, signal } = options;
  check.positiveInt('options.rows', rows);
  check.that(Number.isSafeInteger(seed), 'options.seed', 'must be an integer', seed);
  check.positiveInt('options.firstId', firstId);
  check.positiveInt('options.batchSize', batchSize);
  check.signal('options.signal', signal);
  const last = firstId + rows - 1;
  for (let from = firstId; from <= last; from += batchSize) {
    signal?.throwIfAborted();
    const batch = Array.from({ length: Math.min(batchSize, last - from + 1) }, (_, i) => article(seed, from + i));
    await insertArticles(db, table, batch);
  }
  return rows;
}

/** One INSERT of the given articles; the tsvector column, if the table has one, is computed by the server. */
export async function insertArticles(db: Queryable, table: string, articles: readonly Article[]): Promise<number> {
  checkTable('table', table);
  check.kind(Array.isArray(articles) && articles.length > 0, 'articles', 'must be a non-empty array', articles);
  const { rowCount } = await postgresCall(`inserting ${articles.length} articles into "${table}"`, () =>
    db.query(`INSERT INTO ${table} (id, title, body) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`, [
      articles.map((a) => a.id),
      articles.map((a) => a.title),
      articles.map((a) => a.body),
    ]),
  );
  return rowCount ?? 0;
}
