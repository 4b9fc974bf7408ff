// Test support: one private PostgreSQL with wal_level = logical per test file (the shared server has
// wal_level = replica), a table of versioned rows, an update storm, a consumer that collects a topic,
// and a connector running in the background.
import { privatePostgres, uniqueName, type PrivateServer } from '@poc/harness';
import type { IHeaders, Kafka } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { parseRowChange, type CdcConnector, type RowChange } from '../src/index.ts';

export const LOGICAL: Array<[string, string]> = [
  ['wal_level', 'logical'],
  ['max_replication_slots', '10'],
  ['max_wal_senders', '10'],
];

/** Test-friendly group timings: a consumer joins and leaves within seconds. */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 100,
};

export interface LogicalPostgres {
  readonly server: PrivateServer;
  readonly pool: pg.Pool;
}

/** A private PostgreSQL (wal_level = logical, default durability) shared by the tests of one file. */
export function logicalPostgres(): LogicalPostgres {
  let server: PrivateServer | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    server = await privatePostgres({ config: LOGICAL });
    pool = new pg.Pool({ connectionString: server.url, max: 25, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // idle connections dropped by a kill are expected; queries report it
  });
  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await server?.close();
  });
  return {
    get server() {
      return server!;
    },
    get pool() {
      return pool!;
    },
  };
}

/** A name for a slot, a publication or a table of this test: lower-case, unique. */
export const name = (base: string): string => uniqueName(base);

/** A table of `rows` rows (id 1..rows) whose `version` counts the committed updates of each row. */
export async function accountsTable(pool: pg.Pool, rows: number): Promise<string> {
  const table = name('accounts');
  await pool.query(
    `CREATE TABLE ${table} (id int PRIMARY KEY, version int NOT NULL DEFAULT 0, balance int NOT NULL DEFAULT 0)`,
  );
  await pool.query(`INSERT INTO ${table} (id) SELECT generate_series(1, $1)`, [rows]);
  return `public.${table}`;
}

/** One committed update of row `id`: returns the row's new version (the row lock makes it its commit order). */
export async function bump(db: pg.Pool | pg.ClientBase, table: string, id: number, amount = 1): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    `UPDATE ${table} SET version = version + 1, balance = balance + $2 WHERE id = $1 RETURNING version`,
    [id, amount],
  );
  return rows[0]!.version;
}

/** `writers` concurrent connections committing `updates` single-row updates spread over rows 1..rows. */
export async function updateStorm(
  pool: pg.Pool,
  table: string,
  rows: number,
  updates: number,
  writers = 20,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < updates) {
        const i = next++;
        await bump(pool, table, (i % rows) + 1, i);
      }
    }),
  );
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

const headersOf = (h: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, String(v)]));

/** Every message of `topics` from the beginning, in the order the consumer sees them (per partition: log order). */
export async function collect(kafka: Kafka, topics: string[], groupId: string): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId, ...FAST_GROUP });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  await consumer.subscribe({ topics, fromBeginning: true });
  const got: Received[] = [];
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      got.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: headersOf(message.headers),
      });
    },
  });
  return got;
}

/** Messages in a topic, as the broker counts them (the partitions' end - start offsets). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The row changes among `received`, parsed. */
export const changes = (received: readonly Received[]): RowChange[] => received.map((r) => parseRowChange(r.value));

/** Per key, the values of `pick` in the order Kafka holds them. */
export function perKey<T>(received: readonly Received[], pick: (r: Received) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of received) out.set(r.key, [...(out.get(r.key) ?? []), pick(r)]);
  return out;
}

export const range = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Runs the connector in the background until the test ends (or stop()); `done` settles when run() does. */
export function runInBackground(connector: CdcConnector): { done: Promise<unknown>; stop: () => Promise<unknown> } {
  const controller = new AbortController();
  const done = connector.run(controller.signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  const stop = (): Promise<unknown> => {
    controller.abort();
    return done;
  };
  onTestFinished(async () => void (await stop()));
  return { done, stop };
}
