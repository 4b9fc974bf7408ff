// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyKeysArgumentError, idempotent, isIdempotencyKeysError, type Idempotent } from '../src/index.ts';
import { recordAfterCommit, withoutKeys } from '../src/naive.ts';

let pool: pg.Pool;
let subject: Idempotent;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'idempotency_keys_args' }); // a database of its own
  pool = db.pool();
  subject = idempotent({ pool, ttlMs: 1_000 });
});
afterAll(() => db?.close());

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => idempotent(undefined as never), 'options must be an object (got undefined)'],
  [
    'pool that is not a client',
    () => idempotent({ pool: {} as never, ttlMs: 1 }),
    'options.pool must be a pg.Pool (got an object)',
  ],
  ['ttlMs of 0', () => idempotent({ pool, ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  ['fractional ttlMs', () => idempotent({ pool, ttlMs: 1.5 }), 'options.ttlMs must be a positive integer (got 1.5)'],
  [
    'ttlMs as a string',
    () => idempotent({ pool, ttlMs: '60000' as never }),
    'options.ttlMs must be a positive integer (got "60000")',
  ],
  [
    'clock that is not a Clock',
    () => idempotent({ pool, ttlMs: 1, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'fingerprint that is not a function',
    () => idempotent({ pool, ttlMs: 1, fingerprint: 'sha' as never }),
    'options.fingerprint must be a function (got a string)',
  ],
  [
    'table that is not an identifier',
    () => idempotent({ pool, ttlMs: 1, table: 'keys; DROP TABLE x' }),
    'options.table must be a lower-case SQL identifier (got "keys; DROP TABLE x")',
  ],
  [
    'handler that is not a function',
    () => subject.route(undefined as never),
    'handler must be a function (got undefined)',
  ],
  [
    'signal that is not an AbortSignal',
    () => subject.purge('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'signal of setup that is not an AbortSignal',
    () => subject.setup({} as never),
    'signal must be an AbortSignal (got an object)',
  ],
  [
    'ttlMs of 0, naive without keys',
    () => withoutKeys({ pool, ttlMs: 0 }),
    'options.ttlMs must be a positive integer (got 0)',
  ],
  [
    'table, naive record-after-commit',
    () => recordAfterCommit({ pool, ttlMs: 1, table: 'A' }),
    'options.table must be a lower-case SQL identifier (got "A")',
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
    expect(err).toBeInstanceOf(IdempotencyKeysArgumentError);
    expect(isIdempotencyKeysError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
