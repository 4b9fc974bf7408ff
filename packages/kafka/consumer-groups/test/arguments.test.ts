import { kafkaClient } from '@poc/harness';
import type { Admin, Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  GroupArgumentError,
  consumerLag,
  describeAssignment,
  isGroupError,
  runGroupConsumer,
  trackAssignment,
  type CommitMode,
} from '../src/index.ts';

// Clients are created but never connected: every call below must fail before anything is sent.
const kafka = kafkaClient('127.0.0.1:1');
const consumer = kafka.consumer({ groupId: 'never-joins' });
const admin = kafka.admin();
const handle = async (): Promise<void> => {};

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  [
    'consumer that is not a KafkaJS consumer',
    () => runGroupConsumer({} as Consumer, { topic: 't', commit: 'auto', handle }),
    'consumer must be a KafkaJS consumer (got an object)',
  ],
  [
    'missing options',
    () =>
      runGroupConsumer(consumer, undefined as unknown as { topic: string; commit: CommitMode; handle: typeof handle }),
    'options must be an object { topic, commit, handle } (got undefined)',
  ],
  [
    'empty topic',
    () => runGroupConsumer(consumer, { topic: '', commit: 'auto', handle }),
    'topic must be a non-empty string (got "")',
  ],
  [
    'unknown commit mode',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'manual' as CommitMode, handle }),
    'commit must be one of "auto", "after-processing" (got "manual")',
  ],
  [
    'zero commitEvery',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'after-processing', commitEvery: 0, handle }),
    'commitEvery must be a positive integer (got 0)',
  ],
  [
    'fractional commitEvery',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'after-processing', commitEvery: 2.5, handle }),
    'commitEvery must be a positive integer (got 2.5)',
  ],
  [
    'commitEvery with auto-commit',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'auto', commitEvery: 10, handle }),
    'commitEvery only applies to commit "after-processing" (got 10)',
  ],
  [
    'handler that is not a function',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'auto', handle: null as unknown as typeof handle }),
    'handle must be a function (payload) => Promise<void> (got null)',
  ],
  [
    'onCrash that is not a function',
    () => runGroupConsumer(consumer, { topic: 't', commit: 'auto', handle, onCrash: 'log' as unknown as () => void }),
    'onCrash must be a function (got a string)',
  ],
  [
    'admin that is not a KafkaJS admin',
    () => consumerLag({} as Admin, 'g', 't'),
    'admin must be a KafkaJS admin client (got an object)',
  ],
  ['empty group id for lag', () => consumerLag(admin, '', 't'), 'groupId must be a non-empty string (got "")'],
  [
    'missing topic for lag',
    () => consumerLag(admin, 'g', undefined as unknown as string),
    'topic must be a non-empty string (got undefined)',
  ],
  [
    'empty group id for assignment',
    () => describeAssignment(admin, '', 't'),
    'groupId must be a non-empty string (got "")',
  ],
  [
    'tracker on a non-consumer',
    () => trackAssignment('c' as unknown as Consumer, 't'),
    'consumer must be a KafkaJS consumer (got a string)',
  ],
  ['tracker without a topic', () => trackAssignment(consumer, ''), 'topic must be a non-empty string (got "")'],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with GroupArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(GroupArgumentError);
      expect(isGroupError(err)).toBe(true);
      expect(isGroupError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('GroupArgumentError');
    },
  );
});
