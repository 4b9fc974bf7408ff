// pnpm --filter poc-postgres-sequences demo: MAX()+1 under eight concurrent writers (a barrier makes the
// race certain), the sequence under the same load, the gap a rollback leaves in a sequence, and what
// 20,000 rows keyed by a sequence, UUIDv4 and UUIDv7 do to the primary key index.
import { barrier, postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { identityKeys, isSequencesError, keyedTable, uuidV4Keys, uuidV7Keys } from './index.ts';
import { maxPlusOneTable } from './naive.ts';

const say = (line = ''): void => console.log(line);
const WRITERS = 8;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  try {
    const pool = db.pool({ max: WRITERS + 2 });
    say(`Sequences demo: postgres ${server.version} (${server.provider})\n`);

    say(`${WRITERS} writers at once, each reads MAX(id) and then inserts MAX(id)+1 (a barrier between the two):`);
    const loose = maxPlusOneTable(pool, { table: 'loose', unique: false, between: barrier(WRITERS) });
    await loose.create();
    const looseIds = await Promise.all(Array.from({ length: WRITERS }, (_, i) => loose.insert([`order ${i}`])));
    say(
      `  no unique constraint: ids ${looseIds.flat().join(', ')} -> ${WRITERS - new Set(looseIds.flat()).size} duplicates stored`,
    );

    const strict = maxPlusOneTable(pool, { table: 'strict', between: barrier(WRITERS) });
    await strict.create();
    const outcomes = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        strict.insert([`order ${i}`]).then(
          () => 'ok',
          (e: unknown) => (isSequencesError(e, 'duplicate-key') ? 'duplicate' : 'other error'),
        ),
      ),
    );
    const failed = outcomes.filter((o) => o === 'duplicate').length;
    say(`  primary key:          ${WRITERS - failed} insert committed, ${failed} failed with 23505 (unique_violation)`);

    const sequence = keyedTable(pool, identityKeys, { table: 'orders' });
    await sequence.create();
    const held = barrier(WRITERS);
    const seqIds = await Promise.all(
      Array.from({ length: WRITERS }, async (_, i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const ids = await keyedTable(client, identityKeys, { table: 'orders' }).insert([`order ${i}`]);
          await held(); // all eight transactions open at once
          await client.query('COMMIT');
          return ids;
        } finally {
          client.release();
        }
      }),
    );
    say(
      `  bigint identity:      ids ${seqIds
        .flat()
        .sort((a, b) => Number(a) - Number(b))
        .join(', ')}, all committed\n`,
    );

    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const [lost] = await keyedTable(client, identityKeys, { table: 'orders' }).insert(['rolled back']);
      await client.query('ROLLBACK');
      const [next] = await sequence.insert(['kept']);
      say(`Gap: a rolled-back insert took id ${lost}; the next insert got ${next}. Sequences never reuse a value.\n`);
    } finally {
      client.release();
    }

    say('20,000 rows in batches of 100, primary key index afterwards:');
    for (const [name, keys] of [
      ['by_sequence', identityKeys],
      ['by_uuid_v4', uuidV4Keys],
      ['by_uuid_v7', uuidV7Keys],
    ] as const) {
      const table = keyedTable(pool, keys, { table: name });
      await table.create();
      for (let i = 0; i < 200; i++) await table.insert(Array.from({ length: 100 }, (_, j) => `row ${i}-${j}`));
      const s = await table.indexStats();
      say(
        `  ${keys.name.padEnd(18)} ${String(s.leafPages).padStart(4)} leaf pages, ${(s.indexBytes / 1024).toFixed(0).padStart(5)} KiB, leaves ${s.avgLeafDensity}% full`,
      );
    }
  } finally {
    await db.close();
  }
});
