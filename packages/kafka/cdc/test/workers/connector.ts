// A connector process for the crash test and the demo (test support, not part of the library):
// `test/workers/connector.ts <postgresUrl> <slot name> <schema.table> <topic> <maxBatch> <stallAtBatch>`.
// It prints "produced <n> <messages> <lsn>" each time Kafka has acknowledged a batch, just before the
// LSN is confirmed to the slot. At batch <stallAtBatch> (0 = never) it prints "crash-point <n> <messages> <lsn>" instead and stops dead in the at-least-once window: Kafka has
// the batch, the slot does not know it. The test then SIGKILLs it.
import { kafkaClient } from '@poc/harness';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { cdcConnector } from '../../src/index.ts';

const [url, name, table, topic, maxBatch, stallAt] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const pool = new pg.Pool({ connectionString: url, max: 2 });
const kafka = kafkaClient(process.env.POC_KAFKA_BROKERS!, { logLevel: logLevel.NOTHING });
let batches = 0;
const connector = cdcConnector(kafka, pool, {
  name,
  tables: { [table]: topic },
  maxBatch: Number(maxBatch),
  onProduced: async (batch) => {
    batches++;
    if (batches === Number(stallAt)) {
      console.log(`crash-point ${batches} ${batch.messages} ${batch.lsn}`);
      await new Promise(() => {}); // never confirmed: SIGKILLed here
    }
    console.log(`produced ${batches} ${batch.messages} ${batch.lsn}`);
  },
});
console.log('started');
await connector.run();
