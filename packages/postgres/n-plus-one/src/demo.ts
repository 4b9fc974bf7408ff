// pnpm --filter poc-postgres-n-plus-one demo: one page of a blog API resolved three ways against a
// real PostgreSQL, with the statements each sends counted at the client and the trees compared.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { isDeepStrictEqual } from 'node:util';
import { countQueries, createBlogSchema, dataLoaderTree, joinTree, seedBlog, type Queryable } from './index.ts';
import { naiveTree } from './naive.ts';

const say = (line = ''): void => console.log(line);
const PAGE = 20;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`N+1 queries demo: PostgreSQL ${server.version} (${server.provider})`);
    const pool = db.pool({ max: 10 });
    await createBlogSchema(pool);
    const size = await seedBlog(pool, { authors: 1_000, postsPerAuthor: 10, commentsPerPost: 5, seed: 1 });
    say(
      `Blog: ${size.authors} authors, ${size.posts} posts, ${size.comments} comments (generated server-side, seed 1)`,
    );
    say(`Page: the first ${PAGE} authors, each with its posts, each post with its comments\n`);

    const strategies: Array<[string, (q: Queryable) => { authors(n: number): Promise<unknown> }]> = [
      ['naive resolvers', naiveTree],
      ['DataLoader', (q) => dataLoaderTree(q)],
      ['one JOIN', joinTree],
    ];
    for (const [, make] of strategies) await make(pool).authors(PAGE); // warm: connections open, pages cached
    say(`  ${'strategy'.padEnd(16)} ${'statements'.padStart(10)}   ${'ms, warm (varies)'.padStart(17)}`);
    const trees: unknown[] = [];
    const sent: string[][] = [];
    for (const [name, make] of strategies) {
      const counter = countQueries(pool);
      const t0 = performance.now();
      trees.push(await make(counter.db).authors(PAGE));
      const ms = performance.now() - t0;
      sent.push([...counter.statements]);
      say(`  ${name.padEnd(16)} ${String(counter.count).padStart(10)}   ${ms.toFixed(1).padStart(17)}`);
    }
    const [naive, ...others] = trees as Array<Array<{ posts: Array<{ comments: unknown[] }> }>>;
    const posts = naive!.reduce((n, a) => n + a.posts.length, 0);
    const comments = naive!.reduce((n, a) => n + a.posts.reduce((m, p) => m + p.comments.length, 0), 0);
    say(`\nEvery strategy returned ${naive!.length} authors, ${posts} posts, ${comments} comments;`);
    say(`identical trees: ${others.every((t) => isDeepStrictEqual(t, naive)) ? 'yes' : 'NO'}`);
    say(`naive = 1 (authors) + ${naive!.length} (posts, one per author) + ${posts} (comments, one per post)`);
    say('\nDataLoader sent, one statement per level:');
    for (const s of sent[1]!) say(`  ${s.replace(/\s+/g, ' ').trim()}`);
    say('\nThe first statements of the naive resolvers:');
    for (const s of sent[0]!.slice(0, 3)) say(`  ${s.replace(/\s+/g, ' ').trim()}`);
    say(`  ... and ${sent[0]!.length - 3} more`);
  } finally {
    await db.close();
  }
});
