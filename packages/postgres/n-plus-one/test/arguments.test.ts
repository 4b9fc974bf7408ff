// Bad input gets a clear, typed error that names the argument and the rule, with the exact message:
// one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NPlusOneArgumentError,
  countQueries,
  createBlogSchema,
  dataLoaderTree,
  isNPlusOneError,
  joinTree,
  seedBlog,
} from '../src/index.ts';
import { naiveTree } from '../src/naive.ts';

let pool: pg.Pool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'n_plus_one_args' });
  pool = db.pool({ max: 2 });
});
afterAll(() => db?.close());

const size = { authors: 1, postsPerAuthor: 1, commentsPerPost: 1 };
const cases: Array<[string, () => unknown, string]> = [
  [
    'a db that is not a client',
    () => dataLoaderTree({} as never),
    'db must be a pg.Pool or pg.Client (an object with query()) (got an object)',
  ],
  [
    'no db for the join',
    () => joinTree(undefined as never),
    'db must be a pg.Pool or pg.Client (an object with query()) (got undefined)',
  ],
  [
    'no db for the naive resolvers',
    () => naiveTree(null as never),
    'db must be a pg.Pool or pg.Client (an object with query()) (got null)',
  ],
  [
    'no db for the counter',
    () => countQueries('postgres://' as never),
    'db must be a pg.Pool or pg.Client (an object with query()) (got a string)',
  ],
  [
    'options that are not an object',
    () => dataLoaderTree(pool, 8 as never),
    'options must be an object (got a number)',
  ],
  [
    'maxBatchSize 0',
    () => dataLoaderTree(pool, { maxBatchSize: 0 }),
    'options.maxBatchSize must be a positive integer (got 0)',
  ],
  [
    'maxBatchSize 2.5',
    () => dataLoaderTree(pool, { maxBatchSize: 2.5 }),
    'options.maxBatchSize must be a positive integer (got 2.5)',
  ],
  ['first 0', () => dataLoaderTree(pool).authors(0), 'first must be a positive integer (got 0)'],
  ['first as a string', () => joinTree(pool).authors('10' as never), 'first must be a positive integer (got "10")'],
  ['first negative, naive', () => naiveTree(pool).authors(-1), 'first must be a positive integer (got -1)'],
  [
    'call options that are not an object',
    () => joinTree(pool).authors(1, 'now' as never),
    'options must be an object (got a string)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => dataLoaderTree(pool).authors(1, { signal: {} as never }),
    'options.signal must be an AbortSignal (got an object)',
  ],
  ['no blog size', () => seedBlog(pool, undefined as never), 'size must be an object (got undefined)'],
  ['0 authors', () => seedBlog(pool, { ...size, authors: 0 }), 'size.authors must be a positive integer (got 0)'],
  [
    'negative posts per author',
    () => seedBlog(pool, { ...size, postsPerAuthor: -2 }),
    'size.postsPerAuthor must be a non-negative integer (got -2)',
  ],
  [
    'fractional comments per post',
    () => seedBlog(pool, { ...size, commentsPerPost: 0.5 }),
    'size.commentsPerPost must be a non-negative integer (got 0.5)',
  ],
  ['a negative seed', () => seedBlog(pool, { ...size, seed: -1 }), 'size.seed must be a non-negative integer (got -1)'],
  [
    'a schema without db',
    () => createBlogSchema(42 as never),
    'db must be a pg.Pool or pg.Client (an object with query()) (got a number)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(NPlusOneArgumentError);
    expect(isNPlusOneError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
