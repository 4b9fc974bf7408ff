// pnpm --filter poc-postgres-jsonb demo: 50,000 generated product documents in three tables (no index,
// GIN jsonb_ops, GIN jsonb_path_ops), then each question asked of each table: the rows it returned
// (the same everywhere) and the plan PostgreSQL chose. Timings are the bench's job.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { JSONB_INDEXES, documentStore, indexableOperators, type DocumentStore, type JsonbQuery } from './index.ts';
import { naiveDocumentStore } from './naive.ts';

const ROWS = 50_000;
const say = (line = ''): void => console.log(line);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const QUESTIONS: Array<[string, JsonbQuery]> = [
  ['containment', { contains: { category: 'books', attrs: { color: 'red' } } }],
  ['jsonpath, equalities', { path: '$ ? (@.attrs.size == "XS" && @.tags[*] == "vintage")' }],
  ['key existence', { hasKey: 'discount' }],
  ['jsonpath, a range', { path: '$.price ? (@ < 500)' }],
];

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    const pool = db.pool();
    say(
      `PostgreSQL ${server.version} (${server.provider}). ${ROWS.toLocaleString('en')} documents, seed 42, in three tables:`,
    );
    const stores: DocumentStore[] = [];
    for (const index of JSONB_INDEXES) {
      const store = documentStore(pool, { table: `docs_${index}`, index });
      await store.createTable();
      await store.generate({ rows: ROWS, seed: 42 });
      await store.createIndex();
      await store.analyze();
      const { tableBytes, indexBytes } = await store.sizes();
      say(
        `  ${store.table.padEnd(20)} table ${mb(tableBytes)}, ${index === 'none' ? 'no index' : `GIN (doc ${index}) ${mb(indexBytes)}`}`,
      );
      stores.push(store);
    }
    const { rows } = await pool.query<{ doc: object }>('SELECT doc FROM docs_none WHERE id = 1');
    say(`  document 1: ${JSON.stringify(rows[0]!.doc)}`);
    say('');
    say('Operators each GIN operator class can serve (pg_amop):');
    for (const opclass of ['jsonb_ops', 'jsonb_path_ops'] as const)
      say(`  ${opclass.padEnd(15)} ${(await indexableOperators(pool, opclass)).join(' ')}`);

    for (const [title, query] of QUESTIONS) {
      say('');
      const sql = Object.entries(query)[0]!;
      say(`${title}: ${sql[0]} ${JSON.stringify(sql[1])}`);
      const answers: number[][] = [];
      for (const store of stores) {
        const ids = await store.find(query);
        answers.push(ids);
        say(
          `  ${store.index.padEnd(15)} ${String(ids.length).padStart(5)} rows  ${(await store.explain(query)).scans.join(' > ')}`,
        );
      }
      const same = answers.every((a) => JSON.stringify(a) === JSON.stringify(answers[0]));
      say(`  same rows from all three: ${same ? 'yes' : 'NO'}`);
    }

    say('');
    say('Break it: the naive statements (#>>, jsonb_path_exists, -> IS NOT NULL) on the jsonb_ops table:');
    const naive = naiveDocumentStore(pool, { table: 'docs_jsonb_ops', index: 'jsonb_ops' });
    for (const [title, query] of QUESTIONS.slice(0, 3)) {
      const ids = await naive.find(query);
      say(
        `  ${title.padEnd(21)} ${String(ids.length).padStart(5)} rows  ${(await naive.explain(query)).scans.join(' > ')}`,
      );
    }
    say('Same rows, but the GIN index is never used: it serves operators (@> @? ?), not expressions or functions.');
  } finally {
    await db.close();
  }
});
