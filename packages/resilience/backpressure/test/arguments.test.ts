// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { BackpressureArgumentError, admission, isBackpressureError, shedLoad } from '../src/index.ts';
import { unboundedAdmission } from '../src/naive.ts';

const ok = { concurrency: 2, queue: 4, maxQueueWaitMs: 100 };
const gate = admission(ok);

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => admission(undefined as never), 'options must be an object (got undefined)'],
  [
    'concurrency of 0',
    () => admission({ ...ok, concurrency: 0 }),
    'options.concurrency must be a positive integer (got 0)',
  ],
  [
    'fractional concurrency',
    () => admission({ ...ok, concurrency: 1.5 }),
    'options.concurrency must be a positive integer (got 1.5)',
  ],
  ['negative queue', () => admission({ ...ok, queue: -1 }), 'options.queue must be a non-negative integer (got -1)'],
  [
    'infinite queue (use the naive variant to see why not)',
    () => admission({ ...ok, queue: Infinity }),
    'options.queue must be a non-negative integer (got Infinity)',
  ],
  [
    'missing maxQueueWaitMs',
    () => admission({ concurrency: 2, queue: 4 } as never),
    'options.maxQueueWaitMs must be a positive integer (got undefined)',
  ],
  [
    'maxQueueWaitMs of 0',
    () => admission({ ...ok, maxQueueWaitMs: 0 }),
    'options.maxQueueWaitMs must be a positive integer (got 0)',
  ],
  [
    'clock that is not a Clock',
    () => admission({ ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['operation that is not a function', () => gate('run' as never), 'operation must be a function (got a string)'],
  [
    'signal that is not an AbortSignal',
    () => gate(async () => 1)('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['enter() without a signal', () => gate.enter(undefined as never), 'signal must be an AbortSignal (got undefined)'],
  [
    'naive variant without options',
    () => unboundedAdmission(undefined as never),
    'options must be an object (got undefined)',
  ],
  [
    'naive variant with concurrency of 0',
    () => unboundedAdmission({ concurrency: 0 }),
    'options.concurrency must be a positive integer (got 0)',
  ],
  [
    'shedLoad on something not fastify',
    () => shedLoad({} as never, gate),
    'app must be a fastify instance (got an object)',
  ],
  [
    'shedLoad without an admission',
    () => shedLoad(Fastify(), (() => 1) as never),
    'admission must be an Admission (got a function)',
  ],
  [
    'shedLoad with a body that is not a function',
    () => shedLoad(Fastify(), gate, { body: 'busy' as never }),
    'options.body must be a function (got a string)',
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
    expect(err).toBeInstanceOf(BackpressureArgumentError);
    expect(isBackpressureError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
