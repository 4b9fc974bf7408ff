// Change data capture from PostgreSQL into Kafka: a connector streams committed transactions from a
// logical replication slot (pgoutput), produces every row change keyed by its primary key, and confirms
// a transaction's LSN to the slot only after Kafka has acknowledged all of its messages. A crash
// therefore re-sends (at least once), never skips; and one row's changes stay in commit order.
import { systemClock, type Clock } from '@poc/kit';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Route } from './changes.ts';
import { check, kafkaCall, requireTable, requireTopic } from './errors.ts';
import {
  checkDatabase,
  claimSlot,
  dropPublicationAndSlot,
  ensurePublicationAndSlot,
  slotProgress,
  type SlotProgress,
} from './slot.ts';
import { stream, type StreamSettings } from './stream.ts';

export interface CdcOptions {
  /** Names the replication slot and the publication: 1-63 characters of [a-z0-9_]. */
  name: string;
  /** Row tables to capture, "schema.table" → the topic their changes go to. */
  tables?: Readonly<Record<string, string>>;
  /** Outbox tables (see outbox()): each inserted row is sent as the event it holds, to the topic it names. */
  outboxTables?: readonly string[];
  /** Produce once this many changes are waiting (default 500; whole transactions, so a batch can be larger). */
  maxBatch?: number;
  /** Wait this long for more transactions before producing a batch that is not full (default 0). */
  lingerMs?: number;
  /** How long run() waits for a slot another process still streams from (default 10 000). */
  slotWaitMs?: number;
  /** Time as the connector sees it (default systemClock). */
  clock?: Clock;
  /**
   * Called after Kafka acknowledged a batch and before its LSN is confirmed to the slot, and awaited:
   * the at-least-once window. A crash here re-sends the batch when the connector restarts.
   */
  onProduced?: (batch: ProducedBatch) => void | Promise<void>;
}

export interface ProducedBatch {
  transactions: number;
  /** Messages Kafka acknowledged. */
  messages: number;
  /** The end LSN of the batch's last commit: the slot is confirmed to it next. */
  lsn: string;
}

export interface CdcConnector {
  readonly name: string;
  /** Checks the database (wal_level, tables, primary keys), then creates the publication and the slot if missing. */
  setup(): Promise<void>;
  /**
   * Streams from the slot's confirmed position until `signal` aborts (then produces what it has, confirms
   * it, and resolves). Rejects with a CdcServiceError when PostgreSQL or Kafka fails: nothing unconfirmed
   * is lost, the next run() starts again from the slot.
   */
  run(signal?: AbortSignal): Promise<void>;
  /** The slot's confirmed position and lag, as PostgreSQL reports them. */
  progress(): Promise<SlotProgress>;
  /** Drops the slot and the publication (an abandoned slot makes PostgreSQL keep WAL forever). */
  drop(): Promise<void>;
}

interface Settings extends StreamSettings {
  slotWaitMs: number;
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
export const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export function checkClients(kafka: Kafka, pool: pg.Pool): void {
  check.kind(
    hasMethods(kafka, 'producer', 'consumer', 'admin'),
    'kafka',
    'must be a KafkaJS client (new Kafka(...))',
    kafka,
  );
  check.kind(hasMethods(pool, 'query', 'connect'), 'pool', 'must be a pg.Pool', pool);
}

function settingsOf(options: CdcOptions): Settings {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { name, tables = {}, outboxTables = [], maxBatch = 500, lingerMs = 0, slotWaitMs = 10_000 } = options;
  check.that(
    typeof name === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(name),
    'options.name',
    'must be 1-63 characters of [a-z0-9_] starting with a letter or _ (it names the slot and the publication)',
    name,
  );
  check.kind(
    typeof tables === 'object' && tables !== null && !Array.isArray(tables),
    'options.tables',
    'must be an object { "schema.table": topic }',
    tables,
  );
  check.kind(Array.isArray(outboxTables), 'options.outboxTables', 'must be an array', outboxTables);
  const routes = new Map<string, Route>();
  for (const [table, topic] of Object.entries(tables)) {
    requireTable(`options.tables key`, table);
    requireTopic(`options.tables["${table}"]`, topic);
    routes.set(table, { kind: 'rows', topic });
  }
  outboxTables.forEach((table, i) => {
    requireTable(`options.outboxTables[${i}]`, table);
    check.that(!routes.has(table), `options.outboxTables[${i}]`, 'must not also be in options.tables', table);
    routes.set(table, { kind: 'outbox' });
  });
  check.that(routes.size > 0, 'options.tables', 'must name at least one table (or give options.outboxTables)', 0);
  check.positiveInt('options.maxBatch', maxBatch);
  check.nonNegativeInt('options.lingerMs', lingerMs);
  check.nonNegativeInt('options.slotWaitMs', slotWaitMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  if (options.onProduced !== undefined) check.fn('options.onProduced', options.onProduced);
  return { name, routes, maxBatch, lingerMs, slotWaitMs, clock, onProduced: options.onProduced };
}

/** A connector for the tables in `options`. Every argument is checked first (a CdcArgumentError names it). */
export function cdcConnector(kafka: Kafka, pool: pg.Pool, options: CdcOptions): CdcConnector {
  checkClients(kafka, pool);
  const s = settingsOf(options);
  const tables = [...s.routes.keys()];
  return {
    name: s.name,
    async setup() {
      await checkDatabase(pool, tables);
      await ensurePublicationAndSlot(pool, s.name, tables);
    },
    async run(signal) {
      check.signal('signal', signal);
      if (signal?.aborted) return;
      const from = await claimSlot(pool, s.name, s.slotWaitMs, s.clock, signal);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await kafkaCall('connecting the producer', () => producer.connect());
      try {
        await stream(s, replicationConfig(pool, s.name), producer, from, signal);
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    },
    progress: () => slotProgress(pool, s.name),
    drop: () => dropPublicationAndSlot(pool, s.name),
  };
}

/** The pool's connection settings, for the one replication connection (a pool cannot stream). */
function replicationConfig(pool: pg.Pool, name: string): pg.ClientConfig {
  const o = pool.options;
  const config: pg.ClientConfig = {
    connectionString: o.connectionString,
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    ssl: o.ssl,
    connectionTimeoutMillis: o.connectionTimeoutMillis || 5_000,
    keepAlive: true,
    application_name: `cdc:${name}`,
  };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as pg.ClientConfig;
}
