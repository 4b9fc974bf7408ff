// An idempotency key for any Redis Lua operation: the operation and the record of its outcome are one
// script run, so there is no moment at which the work is done but not yet recorded (or recorded but not
// done). A replay under the same key (a client's retry, ioredis re-sending a command whose reply was
// lost) runs nothing and gets the first outcome; the same key with another request is a conflict.
// Small on purpose: poc-redis-bank-transfer uses it for transfers, and other packages can wrap their own
// scripts with it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { check } from './errors.ts';
import { runScript, wrapperUrl, type LuaScript } from './scripts.ts';

const MARKER = '--[[ operation ]]';

export interface IdempotencyRecord {
  /** Where the outcome is kept: in Redis Cluster, put it in the same hash slot as the operation's keys. */
  key: string;
  /** What the request was (e.g. its arguments as JSON): a replay with another fingerprint is a conflict. */
  fingerprint: string;
  /** How long a replay is recognised, counted by Redis from the first run. After it, the key is new again. */
  ttlMs: number;
}

/** What one run under an idempotency key did. */
export type IdempotentResult =
  | { status: 'first'; outcome: string }
  | { status: 'replay'; outcome: string }
  | { status: 'conflict'; fingerprint: string };

const wrapped = new Map<string, LuaScript>();
let wrapper: string | undefined;

/**
 * `operation` (a script that returns its outcome as a string) inside the idempotency wrapper
 * (src/lua/idempotent.lua): one more key in front, the record's; two more arguments, fingerprint and TTL.
 */
export function idempotentScript(operation: LuaScript): LuaScript {
  let script = wrapped.get(operation.sha);
  if (!script) {
    wrapper ??= readFileSync(wrapperUrl, 'utf8');
    const source = wrapper.replace(MARKER, () => operation.source);
    script = {
      file: `idempotent(${operation.file})`,
      numberOfKeys: operation.numberOfKeys + 1,
      source,
      sha: createHash('sha1').update(source).digest('hex'),
    };
    wrapped.set(operation.sha, script);
  }
  return script;
}

/**
 * Runs `operation` at most once per `record.key` while the record lives: the first run records its
 * outcome, every later run with the same fingerprint returns it without running anything. Errors are
 * the client's (the caller wraps them in its own).
 */
export async function runIdempotent(
  redis: Redis,
  operation: LuaScript,
  record: IdempotencyRecord,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<IdempotentResult> {
  check.kind(
    typeof record === 'object' && record !== null,
    'record',
    'must be an object { key, fingerprint, ttlMs }',
    record,
  );
  check.name('record.key', record.key);
  check.that(typeof record.fingerprint === 'string', 'record.fingerprint', 'must be a string', record.fingerprint);
  check.positiveInt('record.ttlMs', record.ttlMs);
  const reply = (await runScript(
    redis,
    idempotentScript(operation),
    [record.key, ...keys],
    [record.fingerprint, record.ttlMs, ...args],
  )) as [string, string];
  const [status, value] = reply;
  if (status === 'conflict') return { status, fingerprint: value };
  if (status === 'first' || status === 'replay') return { status, outcome: value };
  throw new Error(`unexpected reply from ${operation.file} under its idempotency record: ${JSON.stringify(reply)}`);
}
