// What a processor is given and what it promises: the options (checked once, by createContext, for the
// pattern and the naive variants alike), the Processor it returns, the hooks' Chunk, and the Delivery
// seam through which ./exactly-once.ts and ./naive.ts decide how outputs and offsets reach Kafka.
import type { ConsumerConfig, Kafka, KafkaMessage, Message } from 'kafkajs';
import { check, type AnyExactlyOnceError } from './errors.ts';

/** An input message as the transform sees it. */
export interface InputMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Turns one input into the messages to write (none, one or several). Pure, or at least repeatable: a chunk may run again. */
export type Transform = (input: InputMessage) => Message[] | Promise<Message[]>;

/** KafkaJS consumer timings a processor lets the caller set (the rest it decides itself). */
export type ConsumerTuning = Pick<
  ConsumerConfig,
  'sessionTimeout' | 'heartbeatInterval' | 'rebalanceTimeout' | 'maxWaitTimeInMs' | 'maxBytesPerPartition'
>;
const TUNING_KEYS = [
  'sessionTimeout',
  'heartbeatInterval',
  'rebalanceTimeout',
  'maxWaitTimeInMs',
  'maxBytesPerPartition',
] as const;

/** One chunk of inputs of one partition, as the hooks are told about it. */
export interface Chunk {
  partition: number;
  /** Offset of the chunk's first input. */
  firstOffset: string;
  /** The offset committed for it: one past its last input (past a fetched batch's trailing control records). */
  nextOffset: string;
  inputs: number;
  outputs: number;
}

export interface ProcessorCrash {
  error: AnyExactlyOnceError;
  /** false: KafkaJS will not restart the consumer; the processor has stopped consuming for good. */
  restart: boolean;
}

export interface ProcessorOptions {
  /** The consumer group; also the prefix of the transactional ids (`<groupId>.<input>.<partition>`). */
  groupId: string;
  /** The topic read. */
  input: string;
  /** The topic written. */
  output: string;
  transform: Transform;
  /** Inputs per chunk: per transaction, or per offset commit (default 100). */
  batchSize?: number;
  /** Where a group with no committed offset starts (default true: the beginning of the input). */
  fromBeginning?: boolean;
  /** Transactional processors: the broker aborts a transaction left open longer than this (default 60 000 ms; Kafka caps it at 15 min). */
  transactionTimeoutMs?: number;
  consumer?: ConsumerTuning;
  /** After a chunk's outputs were acknowledged, before its offsets are committed. The commit waits for it. */
  onProduced?: (chunk: Chunk) => void | Promise<void>;
  /** After a chunk's offsets were committed (with its outputs, for the transactional processor). */
  onCommit?: (chunk: Chunk) => void;
  /** A chunk failed (Kafka, the transform, fencing); it is retried by KafkaJS from the last commit. */
  onError?: (error: AnyExactlyOnceError) => void;
  /** The consumer crashed after KafkaJS's retries; `restart` says whether KafkaJS starts it again. */
  onCrash?: (crash: ProcessorCrash) => void;
}

export type ProcessorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface Processor {
  readonly groupId: string;
  readonly state: ProcessorState;
  /** Connects, joins the group and starts processing; resolves once the consumer runs. `signal` stops it. */
  start(signal?: AbortSignal): Promise<void>;
  /** Stops taking new chunks (the chunk in hand finishes); resume() goes on from there. */
  pause(): void;
  resume(): void;
  /** Finishes the chunk in hand, leaves the group and disconnects everything. Idempotent. */
  stop(): Promise<void>;
}

/** What the checked options become. */
export interface Context {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly input: string;
  readonly output: string;
  readonly transform: Transform;
  readonly batchSize: number;
  readonly fromBeginning: boolean;
  readonly transactionTimeoutMs: number;
  readonly consumer: ConsumerTuning;
  readonly hooks: Pick<ProcessorOptions, 'onProduced' | 'onCommit' | 'onError' | 'onCrash'>;
}

/** How a chunk's outputs and input offsets reach Kafka. */
export interface Delivery {
  /** Before the consumer starts (admin clients, a shared producer). */
  open(): Promise<void>;
  /**
   * Called before each fetched batch of `partition`. Returns the group's committed offset when this
   * delivery has just taken the partition over and the consumer's position may be stale; else undefined.
   */
  claim(partition: number): Promise<string | undefined>;
  /** Writes `outputs`, calls `produced()`, commits `chunk.nextOffset`; resolves once all of it is durable. */
  deliver(chunk: Chunk, outputs: Message[], produced: () => Promise<void>, commit: () => Promise<void>): Promise<void>;
  /** The group gave this member `partitions`: let go of what it holds for others. */
  assigned(partitions: number[]): Promise<void>;
  close(): Promise<void>;
}

const isKafka = (value: unknown): value is Kafka =>
  typeof value === 'object' &&
  value !== null &&
  ['producer', 'consumer', 'admin'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** Checks the client and every option; both processors take the same, so both are checked here. */
export function createContext(kafka: Kafka, options: ProcessorOptions): Context {
  check.kind(isKafka(kafka), 'kafka', 'must be a KafkaJS client (new Kafka(...))', kafka);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.groupId', options.groupId);
  check.name('options.input', options.input);
  check.name('options.output', options.output);
  check.that(options.output !== options.input, 'options.output', 'must differ from options.input', options.output);
  check.fn('options.transform', options.transform);
  const { batchSize = 100, fromBeginning = true, transactionTimeoutMs = 60_000, consumer = {} } = options;
  check.intIn('options.batchSize', batchSize, 1, 10_000);
  check.that(typeof fromBeginning === 'boolean', 'options.fromBeginning', 'must be a boolean', fromBeginning);
  check.intIn('options.transactionTimeoutMs', transactionTimeoutMs, 1_000, 900_000);
  check.options('options.consumer', consumer);
  for (const [key, value] of Object.entries(consumer)) {
    check.that(
      (TUNING_KEYS as readonly string[]).includes(key),
      `options.consumer.${key}`,
      `is not a setting this processor takes (${TUNING_KEYS.join(', ')})`,
      value,
    );
    check.positiveInt(`options.consumer.${key}`, value);
  }
  for (const hook of ['onProduced', 'onCommit', 'onError', 'onCrash'] as const) {
    if (options[hook] !== undefined) check.fn(`options.${hook}`, options[hook]);
  }
  const { onProduced, onCommit, onError, onCrash } = options;
  return {
    kafka,
    groupId: options.groupId,
    input: options.input,
    output: options.output,
    transform: options.transform,
    batchSize,
    fromBeginning,
    transactionTimeoutMs,
    consumer,
    hooks: { onProduced, onCommit, onError, onCrash },
  };
}
