// Consumer-side deduplication of at-least-once messages on Redis: a message delivered many times has its
// effect applied once. Two strategies, as data: 'set-nx' keeps a mark per message id for a TTL;
// 'high-water' keeps one mark per partition, the highest stream id applied, and skips every id at or
// below it. With the effect in Redis (onceInRedis), the mark and the effect are one Lua script: a
// consumer killed at any point leaves both or neither, so redelivery never applies an effect twice.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** 'release': a failed effect frees the id so a redelivery retries it (at least once); 'keep': it stays marked (at most once). */
export type FailurePolicy = 'release' | 'keep';

export type DedupStrategy = { kind: 'set-nx'; ttlMs: number; onFailure?: FailurePolicy } | { kind: 'high-water' };

/** A delivery: its id (a stream id "<ms>-<seq>" for high-water) and the partition (stream, queue) it came from. */
export interface Message {
  id: string;
  partition?: string;
}

/** One Redis write of an effect; `key` is its first argument (it goes in the script's KEYS). */
export interface RedisCommand {
  command: string;
  key: string;
  args?: ReadonlyArray<string | number>;
}

export type Outcome<T> = { applied: true; value: T } | { applied: false };

export interface DedupOptions {
  /** Where the marks live: `<prefix>:seen:<partition>:<id>` (set-nx) or `<prefix>:hw:<partition>` (high-water). */
  prefix: string;
  strategy: DedupStrategy;
}

export interface Dedup {
  readonly strategy: DedupStrategy;
  /**
   * Runs `effect` unless the message was seen. The effect may be anywhere (a database, an HTTP call): the
   * mark and the effect are two steps, so a crash between them has a window (README, "the window").
   * The effect's own error is rethrown unchanged, after the failure policy is applied.
   */
  once<T>(message: Message, effect: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<Outcome<T>>;
  /** Applies Redis writes unless the message was seen, in one Lua script with the mark; true when applied. */
  onceInRedis(message: Message, effect: readonly RedisCommand[], signal?: AbortSignal): Promise<boolean>;
}

const STREAM_ID = /^\d{1,15}-\d{1,15}$/;
const never = new AbortController().signal;

/** Checked options; the naive variant (src/naive.ts) takes the same. */
export interface Context {
  readonly redis: Redis;
  readonly prefix: string;
  readonly strategy: Required<{ kind: 'set-nx'; ttlMs: number; onFailure: FailurePolicy }> | { kind: 'high-water' };
}

export function createContext(redis: Redis, options: DedupOptions): Context {
  check.kind(hasMethods(redis, 'evalsha', 'set'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.prefix', options.prefix);
  const s = options.strategy as DedupStrategy | undefined;
  check.kind(typeof s === 'object' && s !== null, 'options.strategy', 'must be an object', s);
  check.oneOf('options.strategy.kind', s.kind, ['set-nx', 'high-water']);
  if (s.kind === 'high-water') return { redis, prefix: options.prefix, strategy: { kind: 'high-water' } };
  check.positiveInt('options.strategy.ttlMs', s.ttlMs);
  const onFailure = s.onFailure ?? 'release';
  check.oneOf('options.strategy.onFailure', onFailure, ['release', 'keep']);
  return { redis, prefix: options.prefix, strategy: { kind: 'set-nx', ttlMs: s.ttlMs, onFailure } };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** Checks a message against the strategy; returns its mark key. */
export function markKey(context: Context, message: Message): string {
  check.kind(typeof message === 'object' && message !== null, 'message', 'must be an object', message);
  check.name('message.id', message.id);
  const partition = message.partition ?? 'default';
  check.name('message.partition', partition);
  if (context.strategy.kind === 'high-water') {
    check.that(STREAM_ID.test(message.id), 'message.id', 'must be a stream id "<ms>-<seq>" for high-water', message.id);
    return `${context.prefix}:hw:${partition}`;
  }
  return `${context.prefix}:seen:${partition}:${message.id}`;
}

export function checkEffect(effect: unknown): asserts effect is readonly RedisCommand[] {
  check.kind(Array.isArray(effect), 'effect', 'must be an array of Redis commands', effect);
  (effect as unknown[]).forEach((c, i) => {
    const cmd = c as RedisCommand;
    check.kind(typeof c === 'object' && c !== null, `effect[${i}]`, 'must be a { command, key, args? } object', c);
    check.name(`effect[${i}].command`, cmd.command);
    check.name(`effect[${i}].key`, cmd.key);
    check.kind(cmd.args === undefined || Array.isArray(cmd.args), `effect[${i}].args`, 'must be an array', cmd.args);
  });
}

/** The script's KEYS and ARGV for the effect commands (see src/lua/apply.lua). */
export function effectArguments(effect: readonly RedisCommand[]): { keys: string[]; args: Array<string | number> } {
  const args: Array<string | number> = [effect.length];
  for (const c of effect) args.push(c.command, c.args?.length ?? 0, ...(c.args ?? []));
  return { keys: effect.map((c) => c.key), args };
}

export function dedup(redis: Redis, options: DedupOptions): Dedup {
  const context = createContext(redis, options);
  const { strategy } = context;
  return {
    strategy,
    async once(message, effect, signal) {
      const mark = markKey(context, message);
      check.fn('effect', effect);
      check.signal('signal', signal);
      signal?.throwIfAborted();
      if (strategy.kind === 'set-nx') {
        const token = randomBytes(8).toString('hex');
        const set = await redisCall(`marking message ${message.id}`, () =>
          redis.set(mark, token, 'PX', strategy.ttlMs, 'NX'),
        );
        if (set !== 'OK') return { applied: false };
        try {
          return { applied: true, value: await effect(signal ?? never) };
        } catch (e) {
          if (strategy.onFailure === 'release')
            await redisCall(`releasing message ${message.id}`, () =>
              runScript(redis, luaScript('release-1.lua'), [mark], [token]),
            );
          throw e;
        }
      }
      // high-water: check, effect, then move the mark; the effect is outside Redis, so not atomic with it.
      const seen = await redisCall(`reading the high-water mark of ${message.partition ?? 'default'}`, () =>
        redis.get(mark),
      );
      if (seen !== null && !after(message.id, seen)) return { applied: false };
      const value = await effect(signal ?? never);
      await redisCall(`advancing the high-water mark to ${message.id}`, () =>
        runScript(redis, luaScript('advance-1.lua'), [mark], [message.id]),
      );
      return { applied: true, value };
    },
    async onceInRedis(message, effect, signal) {
      const mark = markKey(context, message);
      checkEffect(effect);
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const { keys, args } = effectArguments(effect);
      const param = strategy.kind === 'set-nx' ? strategy.ttlMs : message.id;
      const applied = await redisCall(`applying message ${message.id}`, () =>
        runScript(redis, luaScript('apply.lua'), [mark, ...keys], [strategy.kind, param, ...args]),
      );
      return applied === 1;
    },
  };
}

/** Stream id order: is `id` after `mark`? (numerically, ms then seq) */
export function after(id: string, mark: string): boolean {
  const [ms, seq] = id.split('-').map(BigInt) as [bigint, bigint];
  const [hms, hseq] = mark.split('-').map(BigInt) as [bigint, bigint];
  return ms > hms || (ms === hms && seq > hseq);
}
