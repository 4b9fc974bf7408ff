// pnpm --filter poc-postgres-n-plus-one bench: the roadmap's claim (~98x faster) as ratios. One page
// of the tree (the first PAGE authors, each with POSTS posts, each with COMMENTS comments) resolved by
// the naive resolvers (1 + N + N·F queries), by DataLoader (3 queries, one per level) and by one ORM-style
// LEFT JOIN, one page at a time, each ratio = that strategy's pages/s ÷ the naive resolvers' pages/s.
// Twice: straight to the server over loopback, and through toxiproxy adding LATENCY_MS to every reply
// (a same-region network hop), where each of the naive resolvers' round trips costs what it costs in production.
// Same pool size on every side (the naive resolvers use all POOL connections at once, as a GraphQL
// server does); the three trees are compared before timing; the data is generated and ANALYZEd untimed.
import {
  benchProfile,
  benchReport,
  compareThroughput,
  explainAnalyze,
  postgresDatabase,
  postgresDurability,
  proxyTo,
  savePlans,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import {
  countQueries,
  createBlogSchema,
  dataLoaderTree,
  joinTree,
  seedBlog,
  type Queryable,
  type TreeSource,
} from '../src/index.ts';
import { naiveTree } from '../src/naive.ts';
import { JOIN_SQL } from '../src/tree.ts';

const SHORT = benchProfile() === 'short';
const AUTHORS = SHORT ? 2_000 : 10_000;
const POSTS = 10; // per author
const COMMENTS = 5; // per post
const PAGE = 50; // authors per page: the N of N+1
const POOL = 10;
const LATENCY_MS = 1;
const ROUNDS = 6;
const TIME_MS = 1_000;

const sources = (pool: Queryable): Record<string, TreeSource> => ({
  naive: naiveTree(pool),
  dataloader: dataLoaderTree(pool),
  join: joinTree(pool),
});

runMain(async () => {
  const db = await postgresDatabase({ name: 'n_plus_one_bench' });
  let slowPool: pg.Pool | undefined;
  const proxy = await proxyTo(new URL(db.url).host, { name: 'n_plus_one' });
  try {
    const direct = db.pool({ max: POOL });
    await createBlogSchema(direct);
    const rows = await seedBlog(direct, {
      authors: AUTHORS,
      postsPerAuthor: POSTS,
      commentsPerPost: COMMENTS,
      seed: 1,
    });
    const setting = async (sql: string): Promise<string> =>
      String((await direct.query<{ v: unknown }>(sql)).rows[0]!.v);
    const dataSize = await setting(
      `SELECT pg_size_pretty(sum(pg_total_relation_size(c))) AS v FROM unnest(array['authors','posts','comments']::regclass[]) c`,
    );
    const sharedBuffers = await setting(`SELECT current_setting('shared_buffers') AS v`);

    const viaProxy = new URL(db.url);
    viaProxy.host = proxy.listen;
    slowPool = new pg.Pool({ max: POOL, connectionString: viaProxy.toString() });
    await proxy.addLatency(LATENCY_MS);

    // Same answers on every side, and the statements each sends, checked once before timing.
    const counted: Record<string, number> = {};
    let reference: unknown;
    for (const name of Object.keys(sources(direct))) {
      const counter = countQueries(direct);
      const tree = await sources(counter.db)[name]!.authors(PAGE);
      counted[name] = counter.count;
      reference ??= tree;
      if (!isDeepStrictEqual(tree, reference)) throw new Error(`${name} returned a different tree than naive`);
      const slow = await sources(slowPool)[name]!.authors(PAGE);
      if (!isDeepStrictEqual(slow, reference)) throw new Error(`${name} through the proxy returned a different tree`);
    }

    const report = benchReport({
      parameters: {
        authors: rows.authors,
        posts: rows.posts,
        comments: rows.comments,
        page: `first ${PAGE} authors x ${POSTS} posts x ${COMMENTS} comments = ${PAGE * POSTS * COMMENTS} comments`,
        queriesPerPage: `naive ${counted.naive}, dataloader ${counted.dataloader}, join ${counted.join}`,
        pool: `${POOL} connections per side (naive resolvers run siblings concurrently)`,
        proxyLatencyMs: `${LATENCY_MS} ms added to each server -> client reply (toxiproxy)`,
        dataSize: `${dataSize} with indexes (shared_buffers ${sharedBuffers}); warm: every page read before timing`,
        rounds: ROUNDS,
        timeMsPerVariant: TIME_MS,
        durability: await postgresDurability(direct),
      },
      services: ['postgres', 'toxiproxy'],
    });
    for (const [id, pool, where] of [
      ['loopback', direct, 'straight to the server over loopback'],
      ['latency', slowPool, `through toxiproxy, +${LATENCY_MS} ms per reply`],
    ] as const) {
      const s = sources(pool);
      report.add(
        await compareThroughput({
          id,
          title: `One page (${PAGE} authors, ${PAGE * POSTS} posts, ${PAGE * POSTS * COMMENTS} comments), ${where}: pages/s`,
          variants: {
            naive: () => s.naive!.authors(PAGE),
            dataloader: () => s.dataloader!.authors(PAGE),
            join: () => s.join!.authors(PAGE),
          },
          baseline: 'naive',
          rounds: ROUNDS,
          timeMs: TIME_MS,
          iterations: 5,
        }),
      );
    }
    for (const [name, n] of Object.entries(counted))
      report.add({ id: `queries-${name}`, title: `Statements per page, ${name}`, value: n });

    // Every statement shape that was timed, with the page's real keys.
    const authorIds = (
      await direct.query<{ id: number }>('SELECT id FROM authors ORDER BY id LIMIT $1', [PAGE])
    ).rows.map((r) => r.id);
    const postIds = (
      await direct.query<{ id: number }>('SELECT id FROM posts WHERE author_id = ANY($1::int[])', [authorIds])
    ).rows.map((r) => r.id);
    const plan = async (sql: string, values: unknown[]) => ({ sql, plan: await explainAnalyze(direct, sql, values) });
    savePlans({
      'authors-page': await plan('SELECT id, name FROM authors ORDER BY id LIMIT $1', [PAGE]),
      'naive-posts-of-one-author': await plan('SELECT id, title FROM posts WHERE author_id = $1 ORDER BY id', [
        authorIds[0],
      ]),
      'naive-comments-of-one-post': await plan('SELECT id, body FROM comments WHERE post_id = $1 ORDER BY id', [
        postIds[0],
      ]),
      'dataloader-posts': await plan(
        'SELECT id, author_id, title FROM posts WHERE author_id = ANY($1::int[]) ORDER BY author_id, id',
        [authorIds],
      ),
      'dataloader-comments': await plan(
        'SELECT id, post_id, body FROM comments WHERE post_id = ANY($1::int[]) ORDER BY post_id, id',
        [postIds],
      ),
      join: await plan(JOIN_SQL, [PAGE]),
    });

    await report.finish(
      'Roadmap: ~98x faster. One page of {param:page}, over loopback: DataLoader (3 queries) vs naive N+1 ({fact:queries-naive} queries) ' +
        '{ratio:loopback/dataloader}, one JOIN {ratio:loopback/join}; with +1 ms per reply (toxiproxy): ' +
        'DataLoader {ratio:latency/dataloader}, JOIN {ratio:latency/join}.',
    );
  } finally {
    await slowPool?.end();
    await proxy.close();
    await db.close();
  }
});
