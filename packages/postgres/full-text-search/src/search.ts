// Full-text search in PostgreSQL: a tsvector kept by the server in a generated column (title weighted
// A, body B), a GIN index on it, websearch_to_tsquery for what users type, and ts_rank / ts_rank_cd to
// order the hits. Beside it, pg_trgm: trigram GIN indexes on title and body that make ILIKE '%term%'
// indexable and give typo-tolerant matching (word_similarity, the <% operator).
import type pg from 'pg';
import { generateArticles, type GenerateOptions } from './corpus.ts';
import { check, postgresCall } from './errors.ts';
import { planSummary, type PlanSummary } from './plan.ts';

/** What the search needs from pg: a Pool, PoolClient or Client. */
export type Queryable = Pick<pg.Pool, 'query'>;

export const RANKINGS = ['ts_rank', 'ts_rank_cd'] as const;
/** ts_rank weighs how often the terms occur; ts_rank_cd (cover density) also how close together they are. */
export type Ranking = (typeof RANKINGS)[number];

/** One statement, as an object: all matching ids, the best hits ranked, or a typo-tolerant match. */
export type SearchStatement =
  | { match: string }
  | { ranked: string; limit?: number; ranking?: Ranking }
  | { fuzzy: string; limit?: number }
  | { suggest: string; limit?: number };

export interface Hit {
  id: number;
  title: string;
  /** ts_rank / ts_rank_cd for a ranked search; word_similarity (0..1] for a fuzzy one. */
  score: number;
}

export interface ArticleSearchOptions {
  /** The table (created by createTable()); its indexes are `<table>_search_gin`, `<table>_title_trgm`, `<table>_body_trgm`. */
  table: string;
  /** The text search configuration (default 'english': stemming and stop words; 'simple' has neither). */
  config?: string;
}

export interface ArticleSearch {
  readonly table: string;
  readonly config: string;
  /** CREATE TABLE (id, title, body, search tsvector GENERATED ALWAYS AS (...) STORED). */
  createTable(options?: { signal?: AbortSignal }): Promise<void>;
  /** GIN on the tsvector (`fts`) and, after CREATE EXTENSION IF NOT EXISTS pg_trgm, trigram GIN on title and body (`trigram`). Both default true. */
  createIndexes(options?: { fts?: boolean; trigram?: boolean; signal?: AbortSignal }): Promise<void>;
  /** Generated articles (src/corpus.ts), deterministic from the seed. */
  generate(options: GenerateOptions): Promise<number>;
  analyze(options?: { signal?: AbortSignal }): Promise<void>;
  /** Ids of every article that matches what a user typed (websearch_to_tsquery syntax: words, "phrases", or, -not), ascending. */
  matchingIds(text: string, options?: { signal?: AbortSignal }): Promise<number[]>;
  /** The best `limit` (default 10) matches, best first (ties by id). */
  search(text: string, options?: { limit?: number; ranking?: Ranking; signal?: AbortSignal }): Promise<Hit[]>;
  /** Articles whose body has a word like `term` (pg_trgm word_similarity >= 0.6, its default), most similar first: survives typos. */
  fuzzy(term: string, options?: { limit?: number; signal?: AbortSignal }): Promise<Hit[]>;
  /**
   * Builds `<table>_words`: every distinct word of the articles (ts_stat over the 'simple' configuration,
   * so unstemmed) with a trigram GIN index: the lexicon that suggest() looks typos up in. Rebuild it
   * after large changes.
   */
  buildLexicon(options?: { signal?: AbortSignal }): Promise<number>;
  /** "Did you mean": words of the lexicon similar to `term` (the % operator, similarity >= 0.3), most similar first. */
  suggest(
    term: string,
    options?: { limit?: number; signal?: AbortSignal },
  ): Promise<Array<{ word: string; similarity: number }>>;
  /** Runs a statement under EXPLAIN (ANALYZE, FORMAT JSON). */
  explain(statement: SearchStatement, options?: { signal?: AbortSignal }): Promise<PlanSummary>;
  /** Bytes of the heap (with TOAST) and of each index by name. */
  sizes(): Promise<{ tableBytes: number; indexes: Record<string, number> }>;
}

/** Table names go into SQL text, so only plain lower-case identifiers are accepted. */
export function checkTable(argument: string, table: unknown): asserts table is string {
  check.that(
    typeof table === 'string' && /^[a-z_][a-z0-9_]{0,47}$/.test(table),
    argument,
    'must be a lower-case SQL identifier (a-z, 0-9, _; at most 48 characters)',
    table,
  );
}

/** The SQL of a statement against `table`; `config` is a checked identifier. */
export function statementSql(
  table: string,
  config: string,
  statement: SearchStatement,
): { sql: string; values: unknown[] } {
  checkTable('table', table);
  const s = statement as Record<string, unknown> | null;
  const kinds = ['match', 'ranked', 'fuzzy', 'suggest'].filter((k) => typeof s === 'object' && s !== null && k in s);
  check.kind(
    kinds.length === 1,
    'statement',
    'must be one of { match }, { ranked }, { fuzzy } or { suggest }',
    statement,
  );
  const text = s![kinds[0]!];
  check.that(
    typeof text === 'string' && text.trim().length > 0,
    `statement.${kinds[0]}`,
    'must be a non-empty string',
    text,
  );
  const query = `websearch_to_tsquery('${config}', $1)`;
  if ('match' in statement)
    return { sql: `SELECT id FROM ${table} WHERE search @@ ${query} ORDER BY id`, values: [text] };
  const { limit = 10 } = statement;
  check.intIn('options.limit', limit, 1, 1_000);
  if ('ranked' in statement) {
    const { ranking = 'ts_rank' } = statement;
    check.oneOf('options.ranking', ranking, RANKINGS);
    return {
      sql: `SELECT id, title, ${ranking}(search, q) AS score FROM ${table}, ${query} AS q
             WHERE search @@ q ORDER BY score DESC, id LIMIT $2`,
      values: [text, limit],
    };
  }
  if ('suggest' in statement)
    return {
      sql: `SELECT word, similarity(word, $1) AS similarity FROM ${table}_words
             WHERE word % $1 ORDER BY similarity DESC, word LIMIT $2`,
      values: [text, limit],
    };
  return {
    sql: `SELECT id, title, word_similarity($1, body) AS score FROM ${table}
           WHERE $1 <% body ORDER BY score DESC, id LIMIT $2`,
    values: [text, limit],
  };
}

export function articleSearch(db: Queryable, options: ArticleSearchOptions): ArticleSearch {
  check.kind(typeof db?.query === 'function', 'db', 'must be a pg.Pool or Client (an object with query())', db);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkTable('options.table', options.table);
  const { table, config = 'english' } = options;
  check.that(
    typeof config === 'string' && /^[a-z_]{1,63}$/.test(config),
    'options.config',
    'must be a text search configuration name (a-z, _)',
    config,
  );

  const run = async <R extends pg.QueryResultRow>(
    what: string,
    signal: AbortSignal | undefined,
    sql: string,
    values?: unknown[],
  ) => {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    return postgresCall(`${what} (${table})`, () => db.query<R>(sql, values));
  };
  const hits = async (what: string, statement: SearchStatement, signal?: AbortSignal): Promise<Hit[]> => {
    const { sql, values } = statementSql(table, config, statement);
    const { rows } = await run<{ id: string; title: string; score: number }>(what, signal, sql, values);
    return rows.map((r) => ({ id: Number(r.id), title: r.title, score: r.score }));
  };

  return {
    table,
    config,
    async createTable({ signal } = {}) {
      // The server keeps the tsvector in step with title and body on every INSERT and UPDATE: no trigger, no drift.
      await run(
        'creating the table',
        signal,
        `CREATE TABLE ${table} (
           id bigint PRIMARY KEY,
           title text NOT NULL,
           body text NOT NULL,
           search tsvector GENERATED ALWAYS AS (
             setweight(to_tsvector('${config}', title), 'A') || setweight(to_tsvector('${config}', body), 'B')
           ) STORED)`,
      );
    },
    async createIndexes({ fts = true, trigram = true, signal } = {}) {
      if (fts)
        await run(
          'building the GIN index on search',
          signal,
          `CREATE INDEX ${table}_search_gin ON ${table} USING gin (search)`,
        );
      if (trigram) {
        await run('creating the pg_trgm extension', signal, 'CREATE EXTENSION IF NOT EXISTS pg_trgm');
        await run(
          'building the trigram index on title',
          signal,
          `CREATE INDEX ${table}_title_trgm ON ${table} USING gin (title gin_trgm_ops)`,
        );
        await run(
          'building the trigram index on body',
          signal,
          `CREATE INDEX ${table}_body_trgm ON ${table} USING gin (body gin_trgm_ops)`,
        );
      }
    },
    generate: (generateOptions) => generateArticles(db, table, generateOptions),
    async analyze({ signal } = {}) {
      await run('analyzing', signal, `ANALYZE ${table}`);
    },
    async matchingIds(text, { signal } = {}) {
      const { sql, values } = statementSql(table, config, { match: text });
      const { rows } = await run<{ id: string }>('searching', signal, sql, values);
      return rows.map((r) => Number(r.id));
    },
    search: (text, { limit, ranking, signal } = {}) =>
      hits(
        'searching',
        { ranked: text, ...(limit === undefined ? {} : { limit }), ...(ranking === undefined ? {} : { ranking }) },
        signal,
      ),
    fuzzy: (term, { limit, signal } = {}) =>
      hits('fuzzy matching', { fuzzy: term, ...(limit === undefined ? {} : { limit }) }, signal),
    async buildLexicon({ signal } = {}) {
      await run('dropping the old lexicon', signal, `DROP TABLE IF EXISTS ${table}_words`);
      await run('creating the pg_trgm extension', signal, 'CREATE EXTENSION IF NOT EXISTS pg_trgm');
      const { rowCount } = await run(
        'building the lexicon',
        signal,
        `CREATE TABLE ${table}_words AS
           SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', title || ' ' || body) FROM ${table}$$)`,
      );
      await run(
        'indexing the lexicon',
        signal,
        `CREATE INDEX ${table}_words_trgm ON ${table}_words USING gin (word gin_trgm_ops)`,
      );
      await run('analyzing the lexicon', signal, `ANALYZE ${table}_words`);
      return rowCount ?? 0;
    },
    async suggest(term, { limit, signal } = {}) {
      const { sql, values } = statementSql(table, config, { suggest: term, ...(limit === undefined ? {} : { limit }) });
      const { rows } = await run<{ word: string; similarity: number }>('suggesting words', signal, sql, values);
      return rows;
    },
    async explain(statement, { signal } = {}) {
      const { sql, values } = statementSql(table, config, statement);
      const { rows } = await run<{ 'QUERY PLAN': unknown }>(
        'explaining a query',
        signal,
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        values,
      );
      return planSummary(rows[0]!['QUERY PLAN']);
    },
    async sizes() {
      const { rows } = await run<{ name: string; bytes: string }>(
        'reading sizes',
        undefined,
        `SELECT '' AS name, pg_table_size($1::regclass) AS bytes
         UNION ALL
         SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index WHERE indrelid = $1::regclass`,
        [table],
      );
      const indexes = Object.fromEntries(rows.filter((r) => r.name !== '').map((r) => [r.name, Number(r.bytes)]));
      return { tableBytes: Number(rows.find((r) => r.name === '')!.bytes), indexes };
    },
  };
}
