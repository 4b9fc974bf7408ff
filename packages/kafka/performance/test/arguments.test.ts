// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PerformanceArgumentError,
  batchingProducer,
  compressionType,
  isPerformanceError,
  producerPerfTest,
  registerCodecs,
  zstdUnavailable,
  type BatchingProducer,
} from '../src/index.ts';
import { naiveProducer } from '../src/naive.ts';

let ns: KafkaNamespace;
let producer: Producer;
let subject: BatchingProducer;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'perf_args' }); // nothing is sent: no connection is opened
  producer = ns.kafka().producer();
  registerCodecs();
  subject = batchingProducer(producer, { topic: ns.topic('t') });
});
afterAll(() => ns?.close());

// zstd is refused only where Node has no zlib zstd (before 22.15); elsewhere registerCodecs() adds it.
const zstdRule: Array<[string, () => unknown, string]> = zstdUnavailable()
  ? [
      [
        'zstd on a Node without zlib zstd',
        () => batchingProducer(producer, { topic: 't', compression: 'zstd' }),
        `options.compression cannot be used: Node ${process.version} has no zlib.zstdCompress (added in Node 22.15); KafkaJS's own zstd codec is a native addon (got "zstd")`,
      ],
    ]
  : [];

const cases: Array<[string, () => unknown, string]> = [
  [
    'producer that is not a producer',
    () => batchingProducer({} as never, { topic: 't' }),
    'producer must be a KafkaJS producer (kafka.producer()) (got an object)',
  ],
  [
    'missing options',
    () => batchingProducer(producer, undefined as never),
    'options must be an object (got undefined)',
  ],
  ['empty topic', () => batchingProducer(producer, { topic: '' }), 'options.topic must be a non-empty string (got "")'],
  [
    'acks 2',
    () => batchingProducer(producer, { topic: 't', acks: 2 as never }),
    'options.acks must be -1 (all), 0 or 1 (got 2)',
  ],
  [
    'acks "all" as a string',
    () => batchingProducer(producer, { topic: 't', acks: 'all' as never }),
    'options.acks must be -1 (all), 0 or 1 (got "all")',
  ],
  [
    'unknown compression',
    () => batchingProducer(producer, { topic: 't', compression: 'brotli' as never }),
    'options.compression must be one of "none", "gzip", "snappy", "lz4", "zstd" (got "brotli")',
  ],
  ...zstdRule,
  [
    'batchBytes 0',
    () => batchingProducer(producer, { topic: 't', batchBytes: 0 }),
    'options.batchBytes must be an integer from 1 to 16777216 (got 0)',
  ],
  [
    'batchBytes 1.5',
    () => batchingProducer(producer, { topic: 't', batchBytes: 1.5 }),
    'options.batchBytes must be an integer from 1 to 16777216 (got 1.5)',
  ],
  [
    'negative lingerMs',
    () => batchingProducer(producer, { topic: 't', lingerMs: -1 }),
    'options.lingerMs must be an integer from 0 to 60000 (got -1)',
  ],
  [
    'maxInFlight 0',
    () => batchingProducer(producer, { topic: 't', maxInFlight: 0 }),
    'options.maxInFlight must be an integer from 1 to 100 (got 0)',
  ],
  [
    'clock that is not a Clock',
    () => batchingProducer(producer, { topic: 't', clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'a message that is not an object',
    () => subject.send('hello' as never),
    'message must be a KafkaJS message { key?, value } of strings or Buffers (got a string)',
  ],
  [
    'a message whose value is a number',
    () => subject.send({ value: 42 as never }),
    'message must be a KafkaJS message { key?, value } of strings or Buffers (got an object)',
  ],
  [
    'signal that is not an AbortSignal',
    () => subject.send({ value: 'x' }, 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'naive producer, same rules',
    () => naiveProducer(producer, { topic: 't', batchBytes: -5 }),
    'options.batchBytes must be an integer from 1 to 16777216 (got -5)',
  ],
  [
    'compressionType of an unknown name',
    () => compressionType('deflate' as never),
    'compression must be one of "none", "gzip", "snappy", "lz4", "zstd" (got "deflate")',
  ],
  [
    'perf tool without records',
    () => producerPerfTest({ brokers: 'b:9092', topic: 't', records: 0, recordSize: 100 }),
    'options.records must be a positive integer (got 0)',
  ],
  [
    'perf tool with both recordSize and payloadFile',
    () => producerPerfTest({ brokers: 'b:9092', topic: 't', records: 10, recordSize: 100, payloadFile: '/tmp/p' }),
    'options must give exactly one of recordSize and payloadFile (got 100)',
  ],
  [
    'perf tool with neither',
    () => producerPerfTest({ brokers: 'b:9092', topic: 't', records: 10 }),
    'options must give exactly one of recordSize and payloadFile (got undefined)',
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
    expect(err).toBeInstanceOf(PerformanceArgumentError);
    expect(isPerformanceError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
