// The bench's redis-benchmark runner (bench/redis-benchmark.ts): it runs Debian's binary against the server it
// is given and reads its CSV, and it fails with a message naming the package when the binary is missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedisBenchmark, parseCsv, redisBenchmark, redisBenchmarkArgs } from '../bench/redis-benchmark.ts';

let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_perf_rb' });
});
afterAll(() => ns?.close());

describe('redis-benchmark, as the bench runs it', () => {
  it('sends exactly the requests it is told to the server it is given, and reads its rate from --csv', async () => {
    const key = `${ns.prefix}rb:counter`; // redis-benchmark applies no prefix: the key names the suite's own
    const run = await redisBenchmark({
      url: ns.url,
      clients: 4,
      pipeline: 8,
      requests: 2_000,
      command: ['INCRBY', key, '1'],
      timeoutMs: 30_000, // killed, and reported, before the test's own timeout
    });
    expect(run.test).toBe(`INCRBY ${key} 1`);
    expect(run.rps).toBeGreaterThan(0);
    expect(await ns.client().get('rb:counter')).toBe('2000');
  });

  it('passes the address, credentials and database of the URL, and the load', () => {
    expect(
      redisBenchmarkArgs({
        url: 'redis://app:s%3Acret@127.0.0.1:6390/2',
        clients: 16,
        pipeline: 32,
        requests: 1000,
        keyspace: 16,
        command: ['INCRBY', 'k:__rand_int__', '1'],
      }),
    ).toEqual(
      ['-h', '127.0.0.1', '-p', '6390', '--user', 'app', '-a', 's:cret', '--dbnum', '2'].concat([
        '-c',
        '16',
        '-P',
        '32',
        '-n',
        '1000',
        '-r',
        '16',
        '--csv',
        'INCRBY',
        'k:__rand_int__',
        '1',
      ]),
    );
  });

  it('reads the CSV redis-benchmark 7 prints', () => {
    const csv = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"INCRBY rbtest:__rand_int__ 1","165837.48","1.394","0.072","0.391","5.959","10.143","32.831"',
      '',
    ].join('\n');
    expect(parseCsv(csv)).toEqual([
      {
        test: 'INCRBY rbtest:__rand_int__ 1',
        rps: '165837.48',
        avg_latency_ms: '1.394',
        min_latency_ms: '0.072',
        p50_latency_ms: '0.391',
        p95_latency_ms: '5.959',
        p99_latency_ms: '10.143',
        max_latency_ms: '32.831',
      },
    ]);
  });

  it("fails with a message naming Debian's redis-tools package when the binary is missing", () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-redis-benchmark-'));
    try {
      expect(() => findRedisBenchmark(empty, [empty])).toThrow(
        `redis-benchmark was not found on PATH or in ${empty}: it comes with Debian's redis-tools package (apt-get install redis-tools); this bench runs it against the same server in the same run`,
      );
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
