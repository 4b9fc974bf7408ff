// Batching for KafkaJS, the way Kafka's Java producer batches. KafkaJS has no linger.ms and no
// batch.size: a record batch is exactly the messages of one producer.send() call (grouped per
// partition, one produce request per broker), and separate send() calls are never merged. So the
// application has to do the batching. This producer does: concurrent callers' messages go into one
// open batch, which is sent when it holds `batchBytes`, or `lingerMs` after its first message, or as
// soon as an in-flight slot frees up once it is due; every caller's promise settles with its batch's
// acknowledgement (or its failure).
import { systemClock, type Clock } from '@poc/kit';
import type { Message, Producer } from 'kafkajs';
import { COMPRESSIONS, codecMissing, compressionType, type Compression } from './codecs.ts';
import { check, kafkaCall } from './errors.ts';

/** -1: every in-sync replica has the batch; 1: the leader has it; 0: nobody answers (the request was written). */
export type Acks = -1 | 0 | 1;

export interface BatchingOptions {
  /** The topic every message of this producer goes to. */
  topic: string;
  /** Default -1 (all in-sync replicas), as the Java producer since Kafka 3.0. */
  acks?: Acks;
  /** Default 'none'. Anything but gzip needs registerCodecs() first. */
  compression?: Compression;
  /**
   * Send the open batch once its messages' keys and values hold this many bytes (default 16 384, the Java
   * producer's batch.size). It bounds one send(): one produce request per broker, split per partition,
   * not one partition's batch as in Java.
   */
  batchBytes?: number;
  /**
   * How long a batch may wait for more messages after its first (default 0: it is sent at the end of the
   * event-loop turn, so callers that send in the same turn share it). Java's linger.ms.
   */
  lingerMs?: number;
  /**
   * Batches sent and not yet acknowledged (default 1). More hides the round trip; with more than 1, a
   * batch KafkaJS retries can land after a later one, so per-partition order is kept only with 1.
   */
  maxInFlight?: number;
  /** Time as the linger timer sees it (default systemClock); a test drives it with a ManualClock. */
  clock?: Clock;
}

export interface ProducerStats {
  /** KafkaJS send() calls made: one record batch per partition each, one produce request per broker. */
  sends: number;
  /** Messages in them. */
  messages: number;
  /** Key and value bytes in them. */
  bytes: number;
}

export interface BatchingProducer {
  readonly topic: string;
  /**
   * Queues one message; resolves once its batch is acknowledged as `acks` says, rejects with a
   * PerformanceServiceError if the batch failed (then none of its messages counts as sent). An abort
   * takes the message out while it still waits in a batch; once the batch is sent it cannot be recalled.
   */
  send(message: Message, signal?: AbortSignal): Promise<void>;
  /** Sends what waits now (without lingering) and resolves once all of it, and all in flight, has settled. */
  flush(): Promise<void>;
  stats(): ProducerStats;
}

/** What both producers (this one and the naive one in ./naive.ts) work with, checked once. */
export interface Settings {
  readonly producer: Producer;
  readonly topic: string;
  readonly acks: Acks;
  readonly compression: Compression;
  readonly batchBytes: number;
  readonly lingerMs: number;
  readonly maxInFlight: number;
  readonly clock: Clock;
}

const isProducer = (p: unknown): p is Producer =>
  typeof p === 'object' && p !== null && typeof (p as Producer).send === 'function';

/** Checks the producer and the options; the naive producer takes the same, checked here too. */
export function settings(producer: Producer, options: BatchingOptions): Settings {
  check.kind(isProducer(producer), 'producer', 'must be a KafkaJS producer (kafka.producer())', producer);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const {
    topic,
    acks = -1,
    compression = 'none',
    batchBytes = 16_384,
    lingerMs = 0,
    maxInFlight = 1,
    clock = systemClock,
  } = options;
  check.name('options.topic', topic);
  check.that(acks === -1 || acks === 0 || acks === 1, 'options.acks', 'must be -1 (all), 0 or 1', acks);
  check.oneOf('options.compression', compression, COMPRESSIONS);
  const missing = codecMissing(compression);
  check.that(missing === undefined, 'options.compression', `cannot be used: ${missing}`, compression);
  check.intIn('options.batchBytes', batchBytes, 1, 16 * 1024 * 1024);
  check.intIn('options.lingerMs', lingerMs, 0, 60_000);
  check.intIn('options.maxInFlight', maxInFlight, 1, 100);
  check.kind(
    typeof clock === 'object' && clock !== null && typeof clock.schedule === 'function',
    'options.clock',
    'must be a Clock',
    clock,
  );
  return { producer, topic, acks, compression, batchBytes, lingerMs, maxInFlight, clock };
}

/** The bytes a message counts for in a batch: its key and value (headers and framing are not counted). */
export function messageBytes(message: Message): number {
  const size = (v: Message['key']): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  return size(message.key) + size(message.value);
}

export function checkMessage(message: unknown): asserts message is Message {
  const m = message as Message | null;
  const isPayload = (v: unknown): boolean => v == null || typeof v === 'string' || Buffer.isBuffer(v);
  check.kind(
    typeof m === 'object' && m !== null && isPayload(m.key) && isPayload(m.value),
    'message',
    'must be a KafkaJS message { key?, value } of strings or Buffers',
    message,
  );
}

/** One KafkaJS send() of `messages`, as the settings say. */
export function sendOnce(s: Settings, messages: Message[]): Promise<unknown> {
  return kafkaCall(`producing ${messages.length} message(s) to "${s.topic}"`, () =>
    s.producer.send({
      topic: s.topic,
      messages,
      acks: s.acks,
      compression: compressionType(s.compression),
    }),
  );
}

interface Waiting {
  message: Message;
  bytes: number;
  state: 'waiting' | 'sent' | 'withdrawn';
  resolve: () => void;
  reject: (e: unknown) => void;
  stopListening: () => void;
}

interface Batch {
  items: Waiting[];
  bytes: number;
  /** Linger has run out (or was 0): the batch goes out as soon as a slot is free. */
  due: boolean;
  cancelTimer: () => void;
  /** Settles once the batch has been sent and answered (or had nothing left to send). */
  settled: Promise<void>;
  settle: () => void;
}

/** A producer that batches concurrent sends like Java's accumulator: by size, by linger, by free slot. */
export function batchingProducer(producer: Producer, options: BatchingOptions): BatchingProducer {
  const s = settings(producer, options);
  const stats: ProducerStats = { sends: 0, messages: 0, bytes: 0 };
  let open: Batch | undefined;
  const full: Batch[] = []; // closed by size, waiting for a slot
  const inFlight = new Set<Batch>();

  const pump = (): void => {
    while (inFlight.size < s.maxInFlight) {
      const next = full.shift() ?? (open?.due ? open : undefined);
      if (!next) return;
      if (next === open) open = undefined;
      dispatch(next);
    }
  };

  const dispatch = (batch: Batch): void => {
    batch.cancelTimer();
    const items = batch.items.filter((w) => w.state === 'waiting');
    if (items.length === 0) return batch.settle();
    for (const w of items) {
      w.state = 'sent';
      w.stopListening();
    }
    stats.sends++;
    stats.messages += items.length;
    stats.bytes += items.reduce((sum, w) => sum + w.bytes, 0);
    inFlight.add(batch);
    void sendOnce(
      s,
      items.map((w) => w.message),
    )
      .then(
        () => items.forEach((w) => w.resolve()),
        (e: unknown) => items.forEach((w) => w.reject(e)),
      )
      .finally(() => {
        inFlight.delete(batch);
        batch.settle();
        pump();
      });
  };

  const newBatch = (): Batch => {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const batch: Batch = { items: [], bytes: 0, due: false, cancelTimer: () => {}, settled, settle };
    const ripen = (): void => {
      batch.due = true;
      pump();
    };
    if (s.lingerMs === 0) {
      const t = setImmediate(ripen);
      batch.cancelTimer = () => clearImmediate(t);
    } else batch.cancelTimer = s.clock.schedule(ripen, s.lingerMs);
    return batch;
  };

  return {
    topic: s.topic,
    send(message, signal) {
      checkMessage(message);
      check.signal('signal', signal);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const batch = (open ??= newBatch());
        const w: Waiting = {
          message,
          bytes: messageBytes(message),
          state: 'waiting',
          resolve,
          reject,
          stopListening() {},
        };
        if (signal) {
          const onAbort = (): void => {
            if (w.state !== 'waiting') return;
            w.state = 'withdrawn';
            batch.bytes -= w.bytes;
            reject(signal.reason);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          w.stopListening = () => signal.removeEventListener('abort', onAbort);
        }
        batch.items.push(w);
        batch.bytes += w.bytes;
        if (batch.bytes >= s.batchBytes) {
          open = undefined;
          batch.cancelTimer();
          full.push(batch);
          pump();
        }
      });
    },
    async flush() {
      const pending = [...inFlight, ...full, ...(open ? [open] : [])];
      if (open) open.due = true;
      pump();
      await Promise.all(pending.map((b) => b.settled));
    },
    stats: () => ({ ...stats }),
  };
}
