// pnpm --filter poc-kafka-cdc bench
// The POC's own claim (the roadmap gives none): what relaying from the WAL costs and saves, end to end,
// against the dual write and the outbox poller. One business transaction = BEGIN, UPDATE one row
// (version + 1), [INSERT its outbox row,] COMMIT; the event it causes is "done" when a Kafka consumer
// has received it. Three ways to get it there, side by side in this one process:
//   - dual write: the application produces after its commit (acks -1), KafkaJS's default producer;
//   - cdc: the connector streams the row change from a logical replication slot (linger 0, acks -1);
//   - outbox poller: the transaction inserts an outbox row; the poller (SELECT ... FOR UPDATE, produce
//     acks -1, DELETE) polls again at once after a full batch, else after POLL_INTERVAL_MS.
// Comparisons:
//   1. latency: CONCURRENCY callers in a closed loop, each call = one transaction + waiting for its
//      event at the consumer; calls/s and the latency percentiles of that whole path.
//   2. throughput: WRITERS writers commit OPS transactions as fast as they can (rows picked at
//      random, so the same row is updated concurrently); timed from the first commit until the
//      consumer has every event.
// Each variant has its own table, topic (4 partitions) and consumer group, created once; the connector
// and the poller run throughout (each idles while the others are measured). Per-row order and
// duplicates are checked on every event received and stored as facts.
import { existsSync, readFileSync } from 'node:fs';
import {
  benchProfile,
  benchReport,
  compareLoad,
  compareRounds,
  kafkaNamespace,
  privatePostgres,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Admin, type ConfigResourceTypes, type Kafka } from 'kafkajs';
import pg from 'pg';
import { cdcConnector, outbox, outboxPoller, parseRowChange } from '../src/index.ts';
import { dualWrite } from '../src/naive.ts';
import { inTransaction } from '../src/outbox.ts';

const SHORT = benchProfile() === 'short';
const ROWS = 64;
const PARTITIONS = 4;
const CONCURRENCY = 8;
const DURATION_MS = 2_000;
const ROUNDS = 6; // 6 rounds: a 95%+ interval for each ratio
const WRITERS = 16;
const OPS = SHORT ? 300 : 1_500;
const POLL_INTERVAL_MS = 50;
const VARIANTS = ['dual write', 'cdc', 'outbox poller'] as const;
type Variant = (typeof VARIANTS)[number];
const slug = (v: Variant): string => v.replace(/\W/g, '-');

/** The filesystem type (tmpfs, ext4 ...) that holds `path`, from /proc/mounts: the longest mount point above it. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const m = mount.replace(/\\040/g, ' ');
    const under = path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (under && m.length >= best.mount.length) best = { mount: m, type };
  }
  return best.type;
}

/** The broker's durability settings as it reports them, and the filesystem of its log directory. */
async function kafkaDurability(kafka: Kafka): Promise<string> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: 4 as ConfigResourceTypes, // BROKER (the CommonJS enum is not visible to an ES import)
          name: String(brokers[0]!.nodeId),
          configNames: ['log.dirs', 'log.flush.interval.messages', 'log.flush.interval.ms'],
        },
      ],
    });
    const value = (name: string): string =>
      resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 'unset';
    const dirs = value('log.dirs');
    const where = existsSync(dirs) ? `on ${filesystemOf(dirs)}` : 'not on this host (not inspected)';
    return (
      `${brokers.length} broker, replication factor 1, acks -1 on every producer; log.dirs ${where}; ` +
      `log.flush.interval.messages=${value('log.flush.interval.messages')}, log.flush.interval.ms=${value('log.flush.interval.ms')} ` +
      '(no fsync per write: the page cache)'
    );
  } finally {
    await admin.disconnect();
  }
}

/** The private PostgreSQL's durability settings, and the filesystem of its data directory. */
async function postgresDurability(pool: pg.Pool): Promise<string> {
  const show = async (name: string): Promise<string> =>
    String(Object.values((await pool.query(`SHOW ${name}`)).rows[0] as Record<string, unknown>)[0]);
  const dir = await show('data_directory');
  return (
    `private server, fsync=${await show('fsync')}, synchronous_commit=${await show('synchronous_commit')}, ` +
    `wal_level=${await show('wal_level')}, data directory on ${existsSync(dir) ? filesystemOf(dir) : 'unknown'} ` +
    '(a commit returns once its WAL is flushed to that filesystem)'
  );
}

/** Events received per variant: waiters for the ones a caller awaits, per-row order and duplicates. */
class Arrivals {
  private readonly early = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private readonly last = new Map<string, number>();
  readonly outOfOrder = new Map<Variant, number>(VARIANTS.map((v) => [v, 0]));
  readonly duplicates = new Map<Variant, number>(VARIANTS.map((v) => [v, 0]));

  arrived(variant: Variant, id: number, version: number): void {
    const row = `${variant}:${id}`;
    const last = this.last.get(row) ?? 0;
    if (version === last) this.duplicates.set(variant, this.duplicates.get(variant)! + 1);
    else if (version < last) this.outOfOrder.set(variant, this.outOfOrder.get(variant)! + 1);
    else this.last.set(row, version);
    const event = `${row}:${version}`;
    const waiter = this.waiters.get(event);
    if (waiter) {
      this.waiters.delete(event);
      waiter();
    } else this.early.add(event);
  }

  wait(variant: Variant, id: number, version: number): Promise<void> {
    const event = `${variant}:${id}:${version}`;
    if (this.early.delete(event)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(event, resolve));
  }
}

runMain(async () => {
  const pgServer = await privatePostgres({ config: [['wal_level', 'logical']] }); // the shared server has wal_level = replica
  const ns = await kafkaNamespace({ name: 'cdc_bench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const pool = new pg.Pool({ connectionString: pgServer.url, max: WRITERS + 8 });
  pool.on('error', () => {}); // idle connections closed by the server's shutdown at the end
  const stop = new AbortController();
  const closers: Array<() => Promise<unknown>> = [];
  const relays: Array<Promise<void>> = [];
  const arrivals = new Arrivals();
  try {
    const table = (v: Variant): string => `public.accounts_${v.replace(/\W/g, '_')}`;
    const topic = (v: Variant): string => ns.topic(slug(v));
    for (const v of VARIANTS) {
      await pool.query(`CREATE TABLE ${table(v)} (id int PRIMARY KEY, version int NOT NULL DEFAULT 0)`);
      await pool.query(`INSERT INTO ${table(v)} (id) SELECT generate_series(1, $1)`, [ROWS]);
    }
    await ns.createTopics(VARIANTS.map((v) => ({ topic: topic(v), numPartitions: PARTITIONS })));
    const box = outbox(pool, { table: 'public.outbox' });
    await box.create();

    // The relays, running for the whole bench.
    const connector = cdcConnector(kafka, pool, { name: 'bench_cdc', tables: { [table('cdc')]: topic('cdc') } });
    await connector.setup();
    relays.push(
      connector.run(stop.signal),
      outboxPoller(kafka, pool, { table: box.table, intervalMs: POLL_INTERVAL_MS }).run(stop.signal),
    );
    // A relay that fails would leave its callers waiting for events forever: fail the bench instead.
    const relayFailed = Promise.race(relays.map((r) => r.then(() => new Promise<never>(() => {}))));
    const guarded = <T>(work: Promise<T>): Promise<T> => Promise.race([work, relayFailed]);
    const writer = dualWrite(kafka, pool);
    closers.push(() => writer.close());

    // One consumer group per topic, each reading every event of its variant.
    for (const v of VARIANTS) {
      const consumer = kafka.consumer({ groupId: ns.groupId(slug(v)), maxWaitTimeInMs: 100 });
      await consumer.connect();
      closers.push(() => consumer.disconnect());
      await consumer.subscribe({ topics: [topic(v)], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value =
            v === 'cdc'
              ? (parseRowChange(message.value).after as { id: number; version: number })
              : (JSON.parse(String(message.value)) as { id: number; version: number });
          arrivals.arrived(v, value.id, value.version);
        },
      });
    }

    /** One business transaction of `variant` on row `id`; resolves with the row's new version once committed (and, for the dual write, produced). */
    const update = async (variant: Variant, id: number): Promise<number> => {
      let version = 0;
      const work = async (client: pg.PoolClient) => {
        const { rows } = await client.query<{ version: number }>(
          `UPDATE ${table(variant)} SET version = version + 1 WHERE id = $1 RETURNING version`,
          [id],
        );
        version = rows[0]!.version;
        return { topic: topic(variant), key: String(id), value: { id, version } };
      };
      if (variant === 'dual write') await writer.write(work);
      else if (variant === 'cdc') await inTransaction(pool, work);
      else await box.write(work);
      return version;
    };

    const report = benchReport({
      parameters: {
        rows: ROWS,
        partitions: PARTITIONS,
        transaction: 'BEGIN; UPDATE one row (version + 1) [; INSERT outbox row]; COMMIT',
        done: 'the event received by a Kafka consumer (own group per variant)',
        latencyConcurrency: CONCURRENCY,
        latencyDurationMs: DURATION_MS,
        latencyRows: 'each caller its own 8 rows (no lock waits)',
        throughputWriters: WRITERS,
        throughputOps: OPS,
        throughputRows: `picked at random among ${ROWS} (same-row updates contend)`,
        rounds: ROUNDS,
        connector: 'pgoutput proto 1, linger 0, maxBatch 500, idempotent producer, acks -1',
        poller: 'batch 500, idempotent producer, acks -1',
        pollIntervalMs: POLL_INTERVAL_MS,
        dualWrite: 'KafkaJS default producer, acks -1, produce after COMMIT',
        postgres: await postgresDurability(pool),
        kafka: await kafkaDurability(kafka),
      },
      services: ['kafka', 'postgres'],
    });

    const latency = await guarded(
      compareLoad({
        id: 'latency',
        title: `Commit -> event at the consumer, ${CONCURRENCY} callers in a closed loop: calls/s and latency of the whole path`,
        variants: Object.fromEntries(
          VARIANTS.map((v) => {
            let n = 0;
            return [
              v,
              async (worker: number) => {
                const id = worker * 8 + (n++ % 8) + 1;
                await arrivals.wait(v, id, await update(v, id));
              },
            ];
          }),
        ),
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    report.add(latency);

    const drain = async (v: Variant): Promise<RoundSample> => {
      const started = performance.now();
      let left = OPS;
      const waits: Array<Promise<void>> = [];
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (left-- > 0) {
            const id = 1 + Math.floor(Math.random() * ROWS);
            waits.push(arrivals.wait(v, id, await update(v, id)));
          }
        }),
      );
      await Promise.all(waits);
      return { ops: OPS, seconds: (performance.now() - started) / 1_000 };
    };
    for (const v of VARIANTS) await guarded(drain(v)); // warm-up, untimed
    const throughput = await guarded(
      compareRounds({
        id: 'throughput',
        title: `${OPS} transactions by ${WRITERS} writers, timed until the consumer has every event: events/s`,
        variants: Object.fromEntries(VARIANTS.map((v) => [v, () => drain(v)])),
        rounds: ROUNDS,
        unit: 'events/s',
      }),
    );
    report.add(throughput);

    for (const v of VARIANTS) {
      report.add({
        id: `out-of-order-${slug(v)}`,
        title: `${v}: events received out of per-row order`,
        value: arrivals.outOfOrder.get(v)!,
      });
      report.add({
        id: `duplicates-${slug(v)}`,
        title: `${v}: events received twice`,
        value: arrivals.duplicates.get(v)!,
      });
    }
    await report.finish(
      "The POC's own claim, measured end to end (commit -> event at a Kafka consumer): with {param:latencyConcurrency} callers in a closed loop, " +
        'CDC ÷ dual write calls/s = {ratio:latency/cdc} (p50 {p50:latency/cdc} ms vs {p50:latency/dual write} ms), ' +
        'outbox poller ÷ dual write = {ratio:latency/outbox poller} (p50 {p50:latency/outbox poller} ms, ' +
        'polling every {param:pollIntervalMs} ms when idle); ' +
        'draining {param:throughputWriters} writers, CDC ÷ dual write events/s = {ratio:throughput/cdc}, ' +
        'poller ÷ dual write = {ratio:throughput/outbox poller}. Events out of per-row order: dual write ' +
        '{fact:out-of-order-dual-write}, CDC {fact:out-of-order-cdc}, poller {fact:out-of-order-outbox-poller}.',
    );
  } finally {
    stop.abort();
    await Promise.allSettled(relays);
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
    await pool.end();
    await pgServer.close();
  }
});
