// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SearchArgumentError,
  articleSearch,
  generateArticles,
  insertArticles,
  isSearchError,
  type ArticleSearch,
} from '../src/index.ts';
import { likeSearch } from '../src/naive.ts';

let pool: pg.Pool;
let search: ArticleSearch;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'fts_args' });
  pool = db.pool();
  search = articleSearch(pool, { table: 'articles' });
});
afterAll(() => db?.close());

const IDENT = 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 48 characters)';
const cases: Array<[string, () => unknown, string]> = [
  [
    'db that is not a client',
    () => articleSearch({} as never, { table: 'x' }),
    'db must be a pg.Pool or Client (an object with query()) (got an object)',
  ],
  ['missing options', () => articleSearch(pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'table with SQL in it',
    () => articleSearch(pool, { table: 'a; DROP TABLE b' }),
    `options.table ${IDENT} (got "a; DROP TABLE b")`,
  ],
  [
    'config with a quote',
    () => articleSearch(pool, { table: 'a', config: "english'" }),
    'options.config must be a text search configuration name (a-z, _) (got "english\'")',
  ],
  ['empty search text', () => search.matchingIds(''), 'statement.match must be a non-empty string (got "")'],
  ['blank search text', () => search.search('   '), 'statement.ranked must be a non-empty string (got "   ")'],
  ['limit of 0', () => search.search('x', { limit: 0 }), 'options.limit must be an integer from 1 to 1000 (got 0)'],
  [
    'limit of 1.5',
    () => search.fuzzy('x', { limit: 1.5 }),
    'options.limit must be an integer from 1 to 1000 (got 1.5)',
  ],
  [
    'unknown ranking',
    () => search.search('x', { ranking: 'bm25' as never }),
    'options.ranking must be one of "ts_rank", "ts_rank_cd" (got "bm25")',
  ],
  [
    'statement of no known kind',
    () => search.explain({ like: 'x' } as never),
    'statement must be one of { match }, { ranked }, { fuzzy } or { suggest } (got an object)',
  ],
  ['suggest of a number', () => search.suggest(5 as never), 'statement.suggest must be a non-empty string (got 5)'],
  [
    'signal that is not an AbortSignal',
    () => search.matchingIds('x', { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  ['rows of 0', () => search.generate({ rows: 0, seed: 1 }), 'options.rows must be a positive integer (got 0)'],
  [
    'seed that is not an integer',
    () => search.generate({ rows: 1, seed: 0.5 }),
    'options.seed must be an integer (got 0.5)',
  ],
  [
    'generator table in upper case',
    () => generateArticles(pool, 'Articles', { rows: 1, seed: 1 }),
    `table ${IDENT} (got "Articles")`,
  ],
  [
    'no articles to insert',
    () => insertArticles(pool, 'articles', []),
    'articles must be a non-empty array (got an array)',
  ],
  [
    'ILIKE: empty term',
    () => likeSearch(pool, { table: 'articles' }).matchingIds(''),
    'term must be a non-empty string (got "")',
  ],
  [
    'ILIKE: table with a space',
    () => likeSearch(pool, { table: 'my table' }),
    `options.table ${IDENT} (got "my table")`,
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with an error naming the argument and the rule, before any query',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(SearchArgumentError);
      expect(isSearchError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
    },
  );

  it('an already aborted signal stops the call before it reaches the server', async () => {
    const reason = new Error('caller gave up');
    await expect(search.search('x', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('ILIKE metacharacters in a term match themselves: "100%" is not "100 anything"', async () => {
    const t = articleSearch(pool, { table: 'percent' });
    await t.createTable();
    await insertArticles(pool, 'percent', [
      { id: 1, title: 'uptime', body: 'we reached 100% uptime' },
      { id: 2, title: 'uptime', body: 'we reached 1000 users' },
    ]);
    expect(await likeSearch(pool, { table: 'percent' }).matchingIds('100%')).toEqual([1]);
    expect(await likeSearch(pool, { table: 'percent' }).matchingIds('_00')).toEqual([]);
  });

  it('a table that does not exist is a service error naming what was being done', async () => {
    const err = await articleSearch(pool, { table: 'missing' })
      .matchingIds('x')
      .catch((e: unknown) => e);
    expect(isSearchError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe('searching (missing) failed: relation "missing" does not exist');
  });
});
