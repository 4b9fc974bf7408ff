// The dual write: what people write first. Commit the business change to PostgreSQL, then produce the
// event to Kafka from the same request. The two writes are not atomic and not ordered with each other:
// - a process that dies between the commit and the produce has changed the database and told nobody
//   (the event is lost for good; nothing will ever send it);
// - two requests that change the same row commit in one order but can produce in the other (a pause,
//   a slow after-commit step, a retry), so Kafka holds the row's history out of order.
// The same `write(work)` as outbox(): tests and the bench run the same work through both. Not exported
// from the main entry: import it from 'poc-kafka-cdc/naive'.
import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import { check, kafkaCall } from './errors.ts';
import { checkClients } from './connector.ts';
import { checkEvents, inTransaction, type DomainEvent, type TransactionWork } from './outbox.ts';

export interface DualWriteOptions {
  /**
   * What the application does between the commit and the produce (an after-commit callback, rendering
   * the response, a cache update). The window in which a crash loses the event, or a pause reorders it.
   */
  afterCommit?: (events: readonly DomainEvent[]) => Promise<void>;
}

export interface DualWriter {
  /** Runs `work` in a transaction, commits it, then produces the event(s) it returned. */
  write(work: TransactionWork): Promise<void>;
  /** Disconnects the producer. */
  close(): Promise<void>;
}

export function dualWrite(kafka: Kafka, pool: pg.Pool, options: DualWriteOptions = {}): DualWriter {
  checkClients(kafka, pool);
  check.options('options', options);
  const { afterCommit } = options;
  if (afterCommit !== undefined) check.fn('options.afterCommit', afterCommit);
  // A producer as most applications configure one: KafkaJS's defaults.
  const producer: Producer = kafka.producer();
  let connected: Promise<void> | undefined;
  return {
    async write(work) {
      check.fn('work', work);
      const events = checkEvents(await inTransaction(pool, work));
      // Committed. Everything from here on can be lost or reordered.
      await afterCommit?.(events);
      connected ??= kafkaCall('connecting the producer', () => producer.connect()).catch((e: unknown) => {
        connected = undefined;
        throw e;
      });
      await connected;
      await kafkaCall(`producing ${events.length} event(s)`, () =>
        producer.sendBatch({
          acks: -1,
          topicMessages: events.map((e) => ({
            topic: e.topic,
            messages: [{ key: e.key, value: JSON.stringify(e.value) }],
          })),
        }),
      );
    },
    async close() {
      connected = undefined;
      await producer.disconnect();
    },
  };
}
