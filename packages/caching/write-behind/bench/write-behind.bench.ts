// pnpm --filter poc-caching-write-behind bench: write-through (PostgreSQL + Redis per write) against the
// plain and the durable write-behind, the same Zipfian writes with the same concurrency, interleaved in
// rounds in one process. Two clocks: until every write is acknowledged, and until every write is in
// PostgreSQL (the flusher runs during the writes and drains after them). Writes bench/results.json.
import {
  benchProfile,
  benchReport,
  compareRounds,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { createWriteBehindTable, durableWriteBehind, writeBehind, zipfKeys, type WriteCache } from '../src/index.ts';
import { writeThrough } from '../src/naive.ts';

const short = benchProfile() === 'short';
const KEYS = 1_000;
const WRITES = short ? 2_000 : 20_000;
const CONCURRENCY = 16;
const BATCH = 500;
const ROUNDS = 6;
type Variant = 'write-through' | 'write-behind' | 'durable-write-behind';
const variants: Variant[] = ['write-through', 'write-behind', 'durable-write-behind'];

runMain(async () => {
  const redisNs = await redisNamespace({ name: 'write_behind_bench' });
  const db = await postgresDatabase({ name: 'write_behind_bench' });
  try {
    const pool = db.pool({ max: CONCURRENCY + 1 });
    const redis = redisNs.client();
    const report = benchReport({
      parameters: {
        writes: WRITES,
        keys: KEYS,
        'key distribution': 'Zipf, s = 1 (seeded)',
        'concurrent writers': CONCURRENCY,
        'flusher batch (durable)': BATCH,
        'flusher idle wait': '2 ms',
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });
    const keys = zipfKeys({ seed: 11, keys: KEYS, count: WRITES });
    const rowUpdates = new Map<Variant, number>(variants.map((v) => [v, 0]));
    let n = 0;

    /** One sample: a fresh table and prefix, all writes acknowledged, then (timed apart) all in PostgreSQL. */
    async function sample(variant: Variant): Promise<{ ackSeconds: number; pgSeconds: number }> {
      const table = `kv_${++n}`;
      await createWriteBehindTable(pool, table);
      const options = { redis, pool, name: `${variant}-${n}`, table, batchSize: BATCH };
      const stop = new AbortController();
      let cache: WriteCache;
      let flusher: Promise<void> = Promise.resolve();
      let drain = async (): Promise<unknown> => undefined;
      if (variant === 'write-through') cache = writeThrough(options);
      else {
        let wb;
        if (variant === 'write-behind') wb = writeBehind(options);
        else {
          const durable = durableWriteBehind(options);
          await durable.init();
          wb = durable;
        }
        flusher = wb.run(stop.signal, { idleMs: 2 });
        drain = () => wb.drain();
        cache = wb;
      }
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < keys.length) {
            const i = next++;
            await cache.set(keys[i]!, `w${i}`);
          }
        }),
      );
      const acked = performance.now();
      stop.abort();
      await flusher;
      await drain();
      const inPg = performance.now();
      const { rows } = await pool.query<{ n: string }>(`SELECT sum(row_writes) AS n FROM ${table}`);
      rowUpdates.set(variant, rowUpdates.get(variant)! + Number(rows[0]!.n));
      await pool.query(`DROP TABLE ${table}`);
      return { ackSeconds: (acked - started) / 1_000, pgSeconds: (inPg - started) / 1_000 };
    }
    await sample('write-through'); // warm-up: connections, plans, scripts
    await sample('write-behind');
    await sample('durable-write-behind');
    for (const v of variants) rowUpdates.set(v, 0);

    const pgTimes = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    report.add(
      await compareRounds({
        id: 'acked',
        title: `${WRITES} writes, ${CONCURRENCY} concurrent writers: acknowledged writes/s`,
        variants: Object.fromEntries(
          variants.map((v) => [
            v,
            async () => {
              const s = await sample(v);
              pgTimes.get(v)!.push(s.pgSeconds);
              return { ops: WRITES, seconds: s.ackSeconds };
            },
          ]),
        ),
        baseline: 'write-through',
        rounds: ROUNDS,
        kind: 'load',
        concurrency: CONCURRENCY,
      }),
    );
    // The same samples, timed to "every write in PostgreSQL": read back in the order they were taken.
    const cursor = new Map<Variant, number>(variants.map((v) => [v, 0]));
    report.add(
      await compareRounds({
        id: 'in-postgres',
        title: `The same samples, timed until every write is in PostgreSQL: writes/s`,
        variants: Object.fromEntries(
          variants.map((v) => [
            v,
            () => {
              const i = cursor.get(v)!;
              cursor.set(v, i + 1);
              return { ops: WRITES, seconds: pgTimes.get(v)![i]! };
            },
          ]),
        ),
        baseline: 'write-through',
        rounds: pgTimes.get('write-through')!.length,
        kind: 'load',
        concurrency: CONCURRENCY,
        progress: () => {},
      }),
    );
    const samples = pgTimes.get('write-through')!.length;
    for (const v of variants) {
      report.add({
        id: `row-updates-${v}`,
        title: `${v}: PostgreSQL row updates per sample (of ${WRITES} writes)`,
        value: Math.round(rowUpdates.get(v)! / samples),
        unit: 'updates',
      });
    }
    report.add({ id: 'hit-ratio', title: 'hit ratio', value: 'n/a: a write-only workload, nothing is read' });
    await report.finish(
      'Own claim: write-behind ÷ write-through = {ratio:acked/write-behind} acknowledged writes/s ({ratio:in-postgres/write-behind} until all are in PostgreSQL); the durable stream variant {ratio:acked/durable-write-behind} ({ratio:in-postgres/durable-write-behind}). PostgreSQL row updates per {param:writes} writes (coalescing): write-through {fact:row-updates-write-through}, write-behind {fact:row-updates-write-behind}, durable {fact:row-updates-durable-write-behind}.',
    );
  } finally {
    await redisNs.close();
    await db.close();
  }
});
