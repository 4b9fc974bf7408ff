// When Redis dies (POC_STANDARD.md §3): a private server, killed in the middle. A failure of the server is
// surfaced as a DedupServiceError, never taken for "already seen"; the marks written before the kill are
// there after the restart because the server runs with appendonly and appendfsync always (without
// persistence a restart forgets every mark, and every redelivery after it is applied again).
import { privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dedup, isDedupError } from '../src/index.ts';
import { APPLIED, countEffect } from '../src/lab/consumer.ts';

describe('when Redis dies (a private server, appendonly yes, appendfsync always)', () => {
  it('surfaces a ServiceError while it is down, and keeps every mark and effect acknowledged before the kill', async () => {
    const server = await privateRedis({
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ],
    });
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    redis.on('error', () => {}); // errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    for (const strategy of [{ kind: 'set-nx', ttlMs: 3_600_000 }, { kind: 'high-water' }] as const) {
      const subject = dedup(redis, { prefix: strategy.kind, strategy });
      const id = (i: number): string => `${1_700_000_000_000 + i}-0`;
      for (let i = 1; i <= 10; i++)
        expect(await subject.onceInRedis({ id: id(i) }, countEffect(`${strategy.kind}/${i}`))).toBe(true);
    }
    await server.kill();
    const down = dedup(redis, { prefix: 'set-nx', strategy: { kind: 'set-nx', ttlMs: 3_600_000 } });
    const err = await down.onceInRedis({ id: 'x' }, countEffect('x')).catch((e: unknown) => e);
    expect(isDedupError(err, 'service')).toBe(true);

    await server.start();
    // Every message redelivered after the restart is recognised: no effect applied twice.
    for (const strategy of [{ kind: 'set-nx', ttlMs: 3_600_000 }, { kind: 'high-water' }] as const) {
      const subject = dedup(redis, { prefix: strategy.kind, strategy });
      for (let i = 1; i <= 10; i++)
        expect(
          await subject.onceInRedis({ id: `${1_700_000_000_000 + i}-0` }, countEffect(`${strategy.kind}/${i}`)),
        ).toBe(false);
    }
    const counts = Object.values(await redis.hgetall(APPLIED)).map(Number);
    expect(counts).toEqual(Array(20).fill(1));
  });
});
