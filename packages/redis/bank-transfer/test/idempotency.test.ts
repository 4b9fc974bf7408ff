// The idempotency key on its own (src/idempotency.ts), wrapped around an operation that is not a
// transfer: what another package reuses. First run, replay, conflict, the record's lifetime.
import { eventually, redisNamespace, type RedisNamespace } from '@poc/harness';
import { luaFolder } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotentScript, runIdempotent } from '../src/index.ts';

const fixture = luaFolder(new URL('./fixtures/lua/', import.meta.url));
const add = fixture('add-1.lua');

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'bank_transfer_idem' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const once = (key: string, fingerprint = 'add 5', ttlMs = 60_000) => ({ key: `idem:${key}`, fingerprint, ttlMs });

describe('runIdempotent around any Lua operation', () => {
  it('runs the operation on the first call and answers later calls from the record, running nothing', async () => {
    expect(await runIdempotent(redis, add, once('a'), ['counter:a'], [5])).toEqual({ status: 'first', outcome: '5' });
    expect(await runIdempotent(redis, add, once('a'), ['counter:a'], [5])).toEqual({ status: 'replay', outcome: '5' });
    expect(await redis.get('counter:a')).toBe('5');
    // Another key is another operation.
    expect(await runIdempotent(redis, add, once('a2'), ['counter:a'], [5])).toEqual({ status: 'first', outcome: '10' });
  });

  it('runs the operation once when the same key arrives 20 times at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runIdempotent(ns.client(), add, once('burst'), ['counter:burst'], [5])),
    );
    expect(results.filter((r) => r.status === 'first')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'replay')).toHaveLength(19);
    expect(await redis.get('counter:burst')).toBe('5');
  });

  it('reports a conflict, running nothing, when the key comes back with another fingerprint', async () => {
    await runIdempotent(redis, add, once('c'), ['counter:c'], [5]);
    expect(await runIdempotent(redis, add, once('c', 'add 7'), ['counter:c'], [7])).toEqual({
      status: 'conflict',
      fingerprint: 'add 5',
    });
    expect(await redis.get('counter:c')).toBe('5');
  });

  it('keeps the record for ttlMs on Redis’s clock; once it has expired, the key runs the operation again', async () => {
    await runIdempotent(redis, add, once('long', 'add 5', 60_000), ['counter:long'], [5]);
    const ttl = await redis.pttl('idem:long');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await runIdempotent(redis, add, once('short', 'add 5', 200), ['counter:short'], [5]);
    await eventually(async () => (await redis.exists('idem:short')) === 0, { what: 'the record to expire' });
    expect(await runIdempotent(redis, add, once('short', 'add 5', 200), ['counter:short'], [5])).toEqual({
      status: 'first',
      outcome: '10',
    });
  });

  it('records nothing when the operation breaks the rule and returns something else than a string', async () => {
    const bad = fixture('not-a-string-1.lua');
    await expect(runIdempotent(redis, bad, once('bad'), ['counter:bad'], [])).rejects.toThrow(
      'the operation under an idempotency record must return a string outcome',
    );
    expect(await redis.exists('idem:bad')).toBe(0);
    expect(await redis.get('counter:bad')).toBe('1'); // Redis does not roll a script back: check before writing
  });

  it('wraps an operation into one script with one more key and its own hash, built once', () => {
    const wrapped = idempotentScript(add);
    expect(wrapped.numberOfKeys).toBe(2);
    expect(wrapped.file).toBe('idempotent(add-1.lua)');
    expect(wrapped.source).toContain(add.source);
    expect(wrapped.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(idempotentScript(add)).toBe(wrapped);
  });
});
