// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { kafkaClient } from '@poc/harness';
import { describe, expect, it } from 'vitest';
import {
  StreamProcessingArgumentError,
  hoppingWindow,
  isStreamProcessingError,
  processorTopics,
  readLatestByKey,
  scanTopic,
  tumblingWindow,
  windowedCount,
  type WindowedCountOptions,
} from '../src/index.ts';
import { naiveWindowedCount } from '../src/naive.ts';

// A client that is never connected: every call below must fail before anything is sent.
const kafka = kafkaClient('127.0.0.1:1');
const topics = { input: 'in', output: 'out', changelog: 'state', lateEvents: 'late' };
const ok: WindowedCountOptions = { name: 'counts', ...topics, windows: [tumblingWindow(60_000)], graceMs: 0 };
const withOptions = (changes: Record<string, unknown>) => () => windowedCount(kafka, { ...ok, ...changes } as never);

const cases: Array<[string, () => unknown, string]> = [
  [
    'kafka that is not a client',
    () => windowedCount({} as never, ok),
    'kafka must be a KafkaJS client (new Kafka(...)) (got an object)',
  ],
  ['missing options', () => windowedCount(kafka, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', withOptions({ name: '' }), 'options.name must be a non-empty string (got "")'],
  ['name that is not a string', withOptions({ name: 42 }), 'options.name must be a non-empty string (got 42)'],
  [
    'missing input topic',
    withOptions({ input: undefined }),
    'options.input must be a non-empty string (got undefined)',
  ],
  [
    'empty late-events topic',
    withOptions({ lateEvents: '' }),
    'options.lateEvents must be a non-empty string (got "")',
  ],
  [
    'the same topic twice',
    withOptions({ changelog: 'in' }),
    'options must name four different topics (got "in, out, in, late")',
  ],
  [
    'no windows',
    withOptions({ windows: [] }),
    'options.windows must be a non-empty array of tumblingWindow() / hoppingWindow() (got an array)',
  ],
  [
    'a window that is not one',
    withOptions({ windows: [{ sizeMs: 60_000 }] }),
    'options.windows must be a non-empty array of tumblingWindow() / hoppingWindow() (got an array)',
  ],
  [
    'two windows with one name',
    withOptions({ windows: [tumblingWindow(60_000, 'w'), hoppingWindow(60_000, 30_000, 'w')] }),
    'options.windows must have distinct names (got "w, w")',
  ],
  ['negative grace', withOptions({ graceMs: -1 }), 'options.graceMs must be a non-negative integer (got -1)'],
  [
    'missing grace',
    withOptions({ graceMs: undefined }),
    'options.graceMs must be a non-negative integer (got undefined)',
  ],
  ['clock that is not a Clock', withOptions({ clock: {} }), 'options.clock must be a Clock (got an object)'],
  [
    'eventTime that is not a function',
    withOptions({ eventTime: 'ts' }),
    'options.eventTime must be a function (got a string)',
  ],
  [
    'consumer config that is not an object',
    withOptions({ consumer: 5 }),
    'options.consumer must be an object (got a number)',
  ],
  [
    'a zero session timeout',
    withOptions({ consumer: { sessionTimeout: 0 } }),
    'options.consumer.sessionTimeout must be a positive integer (got 0)',
  ],
  [
    'a hook that is not a function',
    withOptions({ hooks: { beforeCommit: true } }),
    'options.hooks.beforeCommit must be a function (got a boolean)',
  ],
  [
    'signal that is not an AbortSignal',
    () => windowedCount(kafka, ok).start('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'empty name, naive version',
    () => naiveWindowedCount(kafka, { ...ok, name: '' }),
    'options.name must be a non-empty string (got "")',
  ],
  ['a tumbling window of 0 ms', () => tumblingWindow(0), 'sizeMs must be a positive integer (got 0)'],
  ['a fractional window size', () => tumblingWindow(1.5), 'sizeMs must be a positive integer (got 1.5)'],
  ['an empty window name', () => tumblingWindow(60_000, ''), 'name must be a non-empty string (got "")'],
  ['a hopping advance of 0', () => hoppingWindow(60_000, 0), 'advanceMs must be a positive integer (got 0)'],
  [
    'a hopping advance larger than the window',
    () => hoppingWindow(60_000, 90_000),
    'advanceMs must be at most sizeMs (60000) (got 90000)',
  ],
  ['zero partitions', () => processorTopics(topics, 0), 'partitions must be a positive integer (got 0)'],
  [
    'scanning no topic',
    () => scanTopic(kafka, '', () => {}, { groupPrefix: 'g' }),
    'topic must be a non-empty string (got "")',
  ],
  [
    'scanning without a group prefix',
    () => readLatestByKey(kafka, 't', { groupPrefix: '' }),
    'options.groupPrefix must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(StreamProcessingArgumentError);
    expect(isStreamProcessingError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
