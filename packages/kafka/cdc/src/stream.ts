// One streaming session of the connector: decode committed transactions from the slot, produce them to
// Kafka in commit order, and confirm each batch's LSN to the slot once Kafka has acknowledged it.
import type { Clock } from '@poc/kit';
import type { Message, Producer } from 'kafkajs';
import type pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { transactionMessages, type CommittedTransaction, type Route } from './changes.ts';
import type { ProducedBatch } from './connector.ts';
import { CdcServiceError, describeError, kafkaCall } from './errors.ts';
import { formatLsn, parseLsn } from './position.ts';

export interface StreamSettings {
  /** The slot's and the publication's name. */
  name: string;
  routes: ReadonlyMap<string, Route>;
  maxBatch: number;
  lingerMs: number;
  clock: Clock;
  onProduced?: (batch: ProducedBatch) => void | Promise<void>;
}

/**
 * pg-logical-replication's acknowledge(lsn) reports lsn + 1 as flushed. A commit's end LSN is already
 * "the last byte + 1", and the next transaction's commit record can start exactly there (two
 * transactions committed back to back): confirming one byte further would make PostgreSQL skip that
 * transaction when the connector restarts. So the library is handed the byte before.
 */
const libraryAck = (lsn: bigint): string => formatLsn(lsn - 1n);

/** How long a graceful stop may take to produce, confirm and close before run() gives up waiting. */
const STOP_GRACE_MS = 10_000;

/** One streaming session: from the slot's confirmed LSN until `signal` aborts or something fails. */
export async function stream(
  s: StreamSettings,
  config: pg.ClientConfig,
  producer: Producer,
  from: bigint,
  signal?: AbortSignal,
): Promise<void> {
  const service = new LogicalReplicationService(config, {
    // Never let the library confirm on its own: its timer would confirm what it has received, not what Kafka has.
    acknowledge: { auto: false, timeoutSeconds: 0 },
    flowControl: { enabled: true }, // the stream waits while a full batch is produced: backpressure
  });
  let confirmed = from;
  let open: { xid: number; committedAt: string; changes: CommittedTransaction['changes'] } | undefined;
  let pending: CommittedTransaction[] = [];
  let pendingChanges = 0;
  let flushing: Promise<void> = Promise.resolve();
  let cancelLinger: (() => void) | undefined;
  let stopping = false;
  let failure: Error | undefined;
  let settle!: (error?: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });

  /** The first failure ends the session (a graceful stop in progress reports it when done). */
  const fail = (error: Error): void => {
    if (failure) return;
    failure = error;
    cancelLinger?.();
    if (!stopping) void service.destroy().finally(() => settle(error));
  };

  const produce = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    pendingChanges = 0;
    if (batch.length === 0 || failure) return;
    const byTopic = new Map<string, Message[]>();
    for (const tx of batch)
      for (const { topic, messages } of transactionMessages(tx, s.routes))
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...messages]);
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const count = topicMessages.reduce((n, t) => n + t.messages.length, 0);
    const last = batch.at(-1)!.endLsn;
    try {
      if (count > 0)
        await kafkaCall(`producing ${count} change(s) up to LSN ${formatLsn(last)}`, () =>
          producer.sendBatch({ topicMessages, acks: -1 }),
        );
      await s.onProduced?.({ transactions: batch.length, messages: count, lsn: formatLsn(last) });
      if (failure) return;
      await service.acknowledge(libraryAck(last));
      confirmed = last;
    } catch (e) {
      fail(
        e instanceof CdcServiceError ? e : new CdcServiceError(`producing failed: ${describeError(e)}`, { cause: e }),
      );
    }
  };
  /** Batches are produced one after another, in commit order. */
  const flush = (): Promise<void> => (flushing = flushing.then(produce));

  const onMessage = async (_lsn: string, m: Pgoutput.Message): Promise<void> => {
    if (failure || stopping) return;
    switch (m.tag) {
      case 'begin':
        // commitTime: microseconds since the Unix epoch
        open = {
          xid: m.xid,
          committedAt: new Date(Number(m.commitTime.valueOf() as bigint) / 1_000).toISOString(),
          changes: [],
        };
        return;
      case 'insert':
      case 'update':
      case 'delete':
        open?.changes.push(m);
        return;
      case 'commit': {
        if (!open) return;
        const endLsn = parseLsn(m.commitEndLsn!);
        pending.push({ ...open, endLsn, lsn: formatLsn(endLsn) });
        pendingChanges += open.changes.length;
        open = undefined;
        if (pendingChanges >= s.maxBatch) {
          cancelLinger?.();
          cancelLinger = undefined;
          await flush(); // the library holds the stream until this resolves
        } else if (!cancelLinger) {
          cancelLinger = s.clock.schedule(() => {
            cancelLinger = undefined;
            void flush();
          }, s.lingerMs);
        }
        return;
      }
      default:
        return; // relation and type messages are decoded by the library itself
    }
  };

  service.on('data', onMessage);
  // PostgreSQL asks for a reply now and then (wal_sender_timeout): answer with the last confirmed position.
  service.on('heartbeat', (_lsn: string, _time: number, shouldRespond: boolean) => {
    if (shouldRespond) void service.acknowledge(libraryAck(confirmed));
  });
  service.on('error', (e: Error) =>
    fail(new CdcServiceError(`streaming from slot "${s.name}" failed: ${describeError(e)}`, { cause: e })),
  );

  const onAbort = (): void => {
    if (failure || stopping) return;
    stopping = true;
    cancelLinger?.();
    // A graceful stop produces and confirms what it holds, then closes the stream. It is bounded: a
    // replication connection left half-open by a server restart can leave the close waiting forever, and
    // a caller stopping the connector must get control back (with an error saying the close was cut short).
    const cancelGrace = s.clock.schedule(() => {
      void service.destroy().catch(() => undefined);
      settle(
        failure ??
          new CdcServiceError(`stopping the stream of slot "${s.name}" took over ${STOP_GRACE_MS} ms: left unclosed`),
      );
    }, STOP_GRACE_MS);
    void flush()
      .then(() => service.destroy())
      .then(() => settle(failure), settle)
      .finally(cancelGrace);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [s.name] }), s.name, formatLsn(from)).then(
    () => {
      if (!stopping) fail(new CdcServiceError(`the replication stream of slot "${s.name}" ended`));
    },
    (e: unknown) => {
      if (!stopping)
        fail(new CdcServiceError(`streaming from slot "${s.name}" failed: ${describeError(e)}`, { cause: e }));
    },
  );
  try {
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
