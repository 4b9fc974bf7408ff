// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. Clients are created but never connected: every call below fails before
// anything is sent. `as never` stands for callers without TypeScript (or with `any`).
import { kafkaClient } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  CdcArgumentError,
  cdcConnector,
  changePosition,
  isCdcError,
  outbox,
  outboxPoller,
  parseLsn,
  parseRowChange,
  positionFilter,
  type CdcOptions,
} from '../src/index.ts';
import { dualWrite } from '../src/naive.ts';

const kafka = kafkaClient('127.0.0.1:1');
const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
const ok: CdcOptions = { name: 'orders_cdc', tables: { 'public.orders': 'orders' } };
const connector = (options: Partial<CdcOptions>) => cdcConnector(kafka, pool, { ...ok, ...options });
const box = outbox(pool, { table: 'public.outbox' });

const cases: Array<[string, () => unknown, string]> = [
  [
    'kafka that is not a client',
    () => cdcConnector({} as never, pool, ok),
    'kafka must be a KafkaJS client (new Kafka(...)) (got an object)',
  ],
  ['pool that is not a pool', () => cdcConnector(kafka, 'pg' as never, ok), 'pool must be a pg.Pool (got a string)'],
  ['missing options', () => cdcConnector(kafka, pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'a name that cannot name a slot',
    () => connector({ name: 'Orders-CDC' }),
    'options.name must be 1-63 characters of [a-z0-9_] starting with a letter or _ (it names the slot and the publication) (got "Orders-CDC")',
  ],
  [
    'an empty name',
    () => connector({ name: '' }),
    'options.name must be 1-63 characters of [a-z0-9_] starting with a letter or _ (it names the slot and the publication) (got "")',
  ],
  [
    'tables that is not an object',
    () => connector({ tables: [] as never }),
    'options.tables must be an object { "schema.table": topic } (got an array)',
  ],
  [
    'a table without its schema',
    () => connector({ tables: { orders: 'orders' } }),
    'options.tables key must be "schema.table" in lower-case identifiers of [a-z0-9_] (got "orders")',
  ],
  [
    'a topic Kafka would refuse',
    () => connector({ tables: { 'public.orders': 'orders events' } }),
    'options.tables["public.orders"] must be a Kafka topic name: 1-249 characters of [a-zA-Z0-9._-] (got "orders events")',
  ],
  [
    'no table at all',
    () => connector({ tables: {} }),
    'options.tables must name at least one table (or give options.outboxTables) (got 0)',
  ],
  [
    'outboxTables that is not an array',
    () => connector({ outboxTables: 'public.outbox' as never }),
    'options.outboxTables must be an array (got a string)',
  ],
  [
    'an outbox table that is also a row table',
    () => connector({ outboxTables: ['public.orders'] }),
    'options.outboxTables[0] must not also be in options.tables (got "public.orders")',
  ],
  ['a maxBatch of 0', () => connector({ maxBatch: 0 }), 'options.maxBatch must be a positive integer (got 0)'],
  [
    'a negative lingerMs',
    () => connector({ lingerMs: -1 }),
    'options.lingerMs must be a non-negative integer (got -1)',
  ],
  [
    'a fractional slotWaitMs',
    () => connector({ slotWaitMs: 1.5 }),
    'options.slotWaitMs must be a non-negative integer (got 1.5)',
  ],
  [
    'a clock that is not a Clock',
    () => connector({ clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'onProduced that is not a function',
    () => connector({ onProduced: 'log' as never }),
    'options.onProduced must be a function (got a string)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => connector({}).run('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'an outbox without a table',
    () => outbox(pool, {} as never),
    'options.table must be "schema.table" in lower-case identifiers of [a-z0-9_] (got undefined)',
  ],
  [
    'an outbox on something that is not a pool',
    () => outbox(null as never, { table: 'public.outbox' }),
    'pool must be a pg.Pool (got null)',
  ],
  ['outbox work that is not a function', () => box.write('insert' as never), 'work must be a function (got a string)'],
  [
    'an outbox insert without a client',
    () => box.insert({} as pg.PoolClient, [{ topic: 'orders', key: 'k', value: 1 }]),
    'client must be a pg client (got an object)',
  ],
  [
    'an outbox event without a value',
    () => box.insert({ query: () => undefined } as never, [{ topic: 'orders', key: 'k', value: undefined }]),
    'events[0].value must be a JSON value (got undefined)',
  ],
  [
    'an outbox event with a bad topic',
    () => box.insert({ query: () => undefined } as never, [{ topic: '', key: 'k', value: 1 }]),
    'events[0].topic must be a Kafka topic name: 1-249 characters of [a-zA-Z0-9._-] (got "")',
  ],
  [
    'an outbox event with an empty key',
    () => box.insert({ query: () => undefined } as never, [{ topic: 'orders', key: '', value: 1 }]),
    'events[0].key must be a non-empty string (got "")',
  ],
  [
    'a poller batchSize of 0',
    () => outboxPoller(kafka, pool, { table: 'public.outbox', batchSize: 0 }),
    'options.batchSize must be a positive integer (got 0)',
  ],
  [
    'a negative poll interval',
    () => outboxPoller(kafka, pool, { table: 'public.outbox', intervalMs: -5 }),
    'options.intervalMs must be a non-negative integer (got -5)',
  ],
  [
    'a poller on a bad table name',
    () => outboxPoller(kafka, pool, { table: 'outbox' }),
    'options.table must be "schema.table" in lower-case identifiers of [a-z0-9_] (got "outbox")',
  ],
  [
    'dual-write options that are not an object',
    () => dualWrite(kafka, pool, 7 as never),
    'options must be an object (got a number)',
  ],
  [
    'an afterCommit that is not a function',
    () => dualWrite(kafka, pool, { afterCommit: true as never }),
    'options.afterCommit must be a function (got a boolean)',
  ],
  [
    'dual-write work that is not a function',
    () => dualWrite(kafka, pool).write(null as never),
    'work must be a function (got null)',
  ],
  [
    'an LSN that is not "X/Y"',
    () => parseLsn('16:B374D848'),
    'lsn must be a PostgreSQL LSN "X/Y" (hex) (got "16:B374D848")',
  ],
  ['a negative index in a position', () => changePosition(1n, -1), 'index must be a non-negative integer (got -1)'],
  [
    'a position that is not one',
    () => positionFilter().accept('k', '12'),
    'position must be a change position (got "12")',
  ],
  [
    'a message that is not a row change',
    () => parseRowChange('{"id":1}'),
    'value must be a row-change message (got JSON without op and position)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(CdcArgumentError);
    expect(isCdcError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
