// What a committed transaction becomes in Kafka: one message per row change, keyed by the row's primary
// key (so every change of one row lands on one partition, in commit order), with its position in the
// database's history in a header, for consumers that drop re-sent copies.
import type { IHeaders, Message } from 'kafkajs';
import type { Pgoutput } from 'pg-logical-replication';
import { CdcArgumentError } from './errors.ts';
import { changePosition } from './position.ts';

export type ChangeOp = 'insert' | 'update' | 'delete';
export type Row = Record<string, unknown>;

/** The value of a row-change message (JSON). */
export interface RowChange {
  op: ChangeOp;
  /** "schema.table". */
  table: string;
  /** The primary key columns and their values; the message key is this object as JSON. */
  key: Row;
  /** The old row: on a delete, its key columns (all columns with REPLICA IDENTITY FULL); null on insert/update. */
  before: Row | null;
  /** The new row; null on delete. */
  after: Row | null;
  /** The LSN that ends the transaction's commit record ("0/1523E58"): what the slot is confirmed to. */
  lsn: string;
  /** Index of the change inside its transaction. */
  index: number;
  /** changePosition(lsn, index): sorts in commit order. */
  position: string;
  xid: number;
  /** When the transaction committed (ISO 8601, PostgreSQL's clock). */
  committedAt: string;
}

/** Headers set on every message this package produces. */
export const HEADERS = {
  /** A changePosition(): commit order, and the key consumers deduplicate on. */
  position: 'cdc-position',
  /** "schema.table" the change (or the outbox row) came from. */
  table: 'cdc-table',
  /** The outbox row's id, on events relayed from an outbox. */
  outboxId: 'outbox-id',
} as const;

/** One decoded data change inside a transaction, as pgoutput sent it. */
export type DataMessage = Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete;

export interface CommittedTransaction {
  xid: number;
  /** The commit record's end LSN. */
  endLsn: bigint;
  lsn: string;
  committedAt: string;
  changes: DataMessage[];
}

/** Where each table's changes go: a row table to its topic, an outbox table to the topic each row names. */
export type Route = { kind: 'rows'; topic: string } | { kind: 'outbox' };

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

const tableOf = (m: DataMessage): string => `${m.relation.schema}.${m.relation.name}`;

/** The primary key of the row a change touched, in the table's key column order. */
function keyOf(m: DataMessage): Row {
  const source: Row | null = m.tag === 'delete' ? (m.key ?? m.old) : m.new;
  const key: Row = {};
  for (const column of m.relation.keyColumns) key[column] = source?.[column];
  return key;
}

/** JSON with bigint as a string (pg's parsers give int8 as a string already; this is for safety). */
const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * The Kafka messages for one committed transaction, grouped by topic, in commit order. An outbox row
 * becomes the event it holds (its topic, key and payload); deletes and updates of outbox rows are
 * housekeeping and send nothing.
 */
export function transactionMessages(tx: CommittedTransaction, routes: ReadonlyMap<string, Route>): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  const add = (topic: string, message: Message): void => {
    const list = byTopic.get(topic);
    if (list) list.push(message);
    else byTopic.set(topic, [message]);
  };
  tx.changes.forEach((m, index) => {
    const table = tableOf(m);
    const route = routes.get(table);
    if (!route) return; // a table of the publication this connector was not told about
    const position = changePosition(tx.endLsn, index);
    const headers: IHeaders = { [HEADERS.position]: position, [HEADERS.table]: table };
    if (route.kind === 'outbox') {
      if (m.tag !== 'insert') return;
      const row = m.new;
      headers[HEADERS.outboxId] = String(row.id);
      add(String(row.topic), { key: String(row.key), value: json(row.payload), headers });
      return;
    }
    const key = keyOf(m);
    const change: RowChange = {
      op: m.tag,
      table,
      key,
      before: m.tag === 'delete' ? (m.old ?? m.key) : null,
      after: m.tag === 'delete' ? null : m.new,
      lsn: tx.lsn,
      index,
      position,
      xid: tx.xid,
      committedAt: tx.committedAt,
    };
    add(route.topic, { key: json(key), value: json(change), headers });
  });
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** A row-change message's value, parsed (for consumers of the topics). */
export function parseRowChange(value: Buffer | string | null): RowChange {
  if (value === null) throw new CdcArgumentError('value must be a row-change message (got null)');
  const parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as RowChange;
  if (typeof parsed?.position !== 'string' || typeof parsed.op !== 'string')
    throw new CdcArgumentError('value must be a row-change message (got JSON without op and position)');
  return parsed;
}
