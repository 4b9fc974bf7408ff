// An application process for the dual-write crash test and the demo (test support, not part of the
// library): `test/workers/app.ts <postgresUrl> <schema.table> <topic> <updates> <crashAt>`.
// It updates row 1 <updates> times through the naive dual write (commit, then produce), printing
// "committed <version>" after each commit and "sent <version>" after each produce. After commit number
// <crashAt> it prints "crash-point <version>" and stops dead between the commit and the produce.
import { kafkaClient } from '@poc/harness';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { dualWrite } from '../../src/naive.ts';

const [url, table, topic, updates, crashAt] = process.argv.slice(2) as [string, string, string, string, string];
const pool = new pg.Pool({ connectionString: url, max: 2 });
const kafka = kafkaClient(process.env.POC_KAFKA_BROKERS!, { logLevel: logLevel.NOTHING });
const writer = dualWrite(kafka, pool, {
  afterCommit: async (events) => {
    const { version } = events[0]!.value as { version: number };
    console.log(`committed ${version}`);
    if (version === Number(crashAt)) {
      console.log(`crash-point ${version}`);
      await new Promise(() => {}); // committed, not produced: SIGKILLed here
    }
  },
});
for (let i = 0; i < Number(updates); i++) {
  let version = 0;
  await writer.write(async (client) => {
    const { rows } = await client.query<{ version: number }>(
      `UPDATE ${table} SET version = version + 1 WHERE id = 1 RETURNING version`,
    );
    version = rows[0]!.version;
    return { topic, key: '1', value: { id: 1, version } };
  });
  console.log(`sent ${version}`);
}
await writer.close();
await pool.end();
