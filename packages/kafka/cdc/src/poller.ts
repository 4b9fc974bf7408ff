// The outbox relay without logical replication: a loop that takes the oldest outbox rows, produces them,
// and deletes them in the transaction that locked them, once Kafka has acknowledged. A crash between
// the produce and the commit sends those rows again (at least once, as with the connector).
import { systemClock, type Clock } from '@poc/kit';
import type { Kafka, Message } from 'kafkajs';
import type pg from 'pg';
import { HEADERS } from './changes.ts';
import { CdcServiceError, check, describeError, kafkaCall, requireTable } from './errors.ts';
import { checkClients, hasMethods } from './connector.ts';
import { inTransaction } from './outbox.ts';
import { changePosition } from './position.ts';

export interface OutboxPollerOptions {
  /** The outbox table, "schema.table" (made by outbox().create()). */
  table: string;
  /** Rows per poll (default 500). A full poll is followed by the next at once. */
  batchSize?: number;
  /** Wait between polls that found fewer than batchSize rows (default 100 ms): the latency floor. */
  intervalMs?: number;
  clock?: Clock;
  /** Called after Kafka acknowledged a poll's events and before they are deleted (awaited). */
  onProduced?: (batch: { messages: number; lastId: string }) => void | Promise<void>;
}

export interface OutboxPoller {
  /** Polls until `signal` aborts (then resolves), or a server fails (rejects with CdcServiceError). */
  run(signal?: AbortSignal): Promise<void>;
  /** One poll: relays up to batchSize rows; returns how many. */
  pollOnce(): Promise<number>;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
}

export function outboxPoller(kafka: Kafka, pool: pg.Pool, options: OutboxPollerOptions): OutboxPoller {
  checkClients(kafka, pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { table, batchSize = 500, intervalMs = 100, clock = systemClock, onProduced } = options;
  requireTable('options.table', table);
  check.positiveInt('options.batchSize', batchSize);
  check.nonNegativeInt('options.intervalMs', intervalMs);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  if (onProduced !== undefined) check.fn('options.onProduced', onProduced);
  const from = table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let connected: Promise<void> | undefined;

  const pollOnce = async (): Promise<number> => {
    connected ??= kafkaCall('connecting the producer', () => producer.connect()).catch((e: unknown) => {
      connected = undefined;
      throw e;
    });
    await connected;
    return inTransaction(pool, async (client) => {
      // FOR UPDATE: a second poller waits for this one instead of sending the same rows, and in id order.
      // An id is taken when the row is inserted, after the business row's lock, so for one key the
      // ids follow the commit order (see the README for when they do not).
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, key, payload FROM ${from} ORDER BY id LIMIT $1 FOR UPDATE`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, Message[]>();
      for (const r of rows) {
        const message: Message = {
          key: r.key,
          value: JSON.stringify(r.payload),
          headers: {
            [HEADERS.position]: changePosition(BigInt(r.id), 0),
            [HEADERS.table]: table,
            [HEADERS.outboxId]: r.id,
          },
        };
        byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), message]);
      }
      const lastId = rows.at(-1)!.id;
      await kafkaCall(`producing ${rows.length} outbox event(s) up to id ${lastId}`, () =>
        producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 }),
      );
      await onProduced?.({ messages: rows.length, lastId });
      await client.query(`DELETE FROM ${from} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    }).catch((e: unknown) => {
      if (e instanceof CdcServiceError) throw e;
      throw new CdcServiceError(`polling outbox "${table}" failed: ${describeError(e)}`, { cause: e });
    });
  };

  return {
    pollOnce,
    async run(signal) {
      check.signal('signal', signal);
      try {
        while (!signal?.aborted) {
          const relayed = await pollOnce();
          if (relayed < batchSize && !signal?.aborted) await clock.sleep(intervalMs, signal).catch(() => undefined);
        }
      } finally {
        connected = undefined;
        await producer.disconnect().catch(() => undefined);
      }
    },
  };
}
