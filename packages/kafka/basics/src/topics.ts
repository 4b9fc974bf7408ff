// A topic is a name plus the schema of its values. The schema is checked where data crosses the
// boundary: before a producer sends (a bad value never reaches the log) and after a consumer reads
// (a producer that skipped validation, or an older version of it, cannot crash the consumer).
import type { Admin } from 'kafkajs';
import type { z } from 'zod';
import { check, kafkaCall, requireTopicName } from './errors.ts';

export type DecodeFailure = 'empty' | 'invalid-json' | 'schema-violation';
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DecodeFailure; detail: string };

export interface Topic<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /** Checks any value against the schema: the parsed value, or why it does not fit. Never throws. */
  check(value: unknown): Decoded<T>;
  /** The value as JSON bytes, unchecked (the producer checks first unless told not to). */
  serialize(value: T): Buffer;
  /** Bytes from the log back to a value, or why they cannot be one. Never throws. */
  decode(bytes: Buffer | null, validate?: boolean): Decoded<T>;
}

const isZodSchema = (s: unknown): s is z.ZodType =>
  typeof s === 'object' && s !== null && typeof (s as { safeParse?: unknown }).safeParse === 'function';

/** "amount: Invalid input: expected number, received string; id: Required" — one line for a header. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** A typed topic: `topic({ name: 'orders', schema: z.object({ id: z.string() }) })` is a Topic<{ id: string }>. */
export function topic<T>(spec: { name: string; schema: z.ZodType<T> }): Topic<T> {
  check.kind(typeof spec === 'object' && spec !== null, 'spec', 'must be an object { name, schema }', spec);
  requireTopicName('name', spec.name);
  check.kind(isZodSchema(spec.schema), 'schema', 'must be a zod schema (something with safeParse)', spec.schema);
  const { name, schema } = spec;
  const checkValue = (value: unknown): Decoded<T> => {
    const r = schema.safeParse(value);
    return r.success
      ? { ok: true, value: r.data }
      : { ok: false, reason: 'schema-violation', detail: describeIssues(r.error) };
  };
  return {
    name,
    schema,
    check: checkValue,
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    decode(bytes, validate = true) {
      if (bytes === null || bytes.length === 0)
        return { ok: false, reason: 'empty', detail: 'the message has no value' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        return { ok: false, reason: 'invalid-json', detail: (e as Error).message };
      }
      return validate ? checkValue(parsed) : { ok: true, value: parsed as T };
    },
  };
}

export interface TopicSpec {
  topic: Topic<unknown> | string;
  partitions: number;
}

/**
 * Creates the topics that do not exist yet and waits until each partition has a leader. Returns the
 * names it created. Replication factor 1: the POC runs a single broker (use 3 in production).
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  check.kind(typeof admin?.createTopics === 'function', 'admin', 'must be a KafkaJS admin client', admin);
  check.kind(
    Array.isArray(specs) && specs.length > 0,
    'specs',
    'must be a non-empty array of { topic, partitions }',
    specs,
  );
  const wanted = specs.map((s, i) => {
    const name = typeof s?.topic === 'string' ? s.topic : s?.topic?.name;
    requireTopicName(`specs[${i}].topic`, name);
    check.positiveInt(`specs[${i}].partitions`, s.partitions);
    return { topic: name, numPartitions: s.partitions, replicationFactor: 1 };
  });
  check.that(
    new Set(wanted.map((w) => w.topic)).size === wanted.length,
    'specs',
    'must not name a topic twice',
    wanted.map((w) => w.topic).join(','),
  );
  const existing = new Set(await kafkaCall('listing topics', () => admin.listTopics()));
  const missing = wanted.filter((w) => !existing.has(w.topic));
  if (missing.length > 0) {
    await kafkaCall(`creating topics ${missing.map((m) => `"${m.topic}"`).join(', ')}`, () =>
      admin.createTopics({ topics: missing, waitForLeaders: true }),
    );
  }
  return missing.map((m) => m.topic);
}
