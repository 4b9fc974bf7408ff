// pnpm --filter poc-caching-write-behind demo: writes acknowledged in Redis and flushed to PostgreSQL in
// coalesced batches; then a flusher crash between taking a batch and committing it, plain and durable.
import { fileURLToPath } from 'node:url';
import { postgresDatabase, redisNamespace, serverFor, spawnTsWorker } from '@poc/harness';
import { runMain } from '@poc/kit';
import { createWriteBehindTable, durableWriteBehind, writeBehind, zipfKeys } from './index.ts';
import { writeThrough } from './naive.ts';

const say = (line = ''): void => console.log(line);
const crashingFlusher = fileURLToPath(new URL('./lab/flusher.ts', import.meta.url));

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const redisNs = await redisNamespace({ name: 'demo' });
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`Write-behind demo: ${servers.map((s) => `${s.service} ${s.version}`).join(', ')}`);
    const redis = redisNs.client();
    const pool = db.pool();
    const rowUpdates = async (table: string): Promise<number> =>
      Number((await pool.query<{ n: string }>(`SELECT coalesce(sum(row_writes), 0) AS n FROM ${table}`)).rows[0]!.n);
    const keys = zipfKeys({ seed: 1, keys: 100, count: 2_000 });
    say();
    say(`1. 2000 writes over 100 Zipfian keys (${new Set(keys).size} distinct), one writer`);
    for (const [label, table] of [
      ['write-through', 'kv_through'],
      ['write-behind', 'kv_plain'],
      ['durable write-behind', 'kv_durable'],
    ] as const) {
      await createWriteBehindTable(pool, table);
      const options = { redis, pool, name: table, table };
      if (label === 'write-through') {
        const cache = writeThrough(options);
        for (const [i, key] of keys.entries()) await cache.set(key, `w${i}`);
      } else {
        const cache = label === 'write-behind' ? writeBehind(options) : durableWriteBehind(options);
        if ('init' in cache) await (cache.init as () => Promise<void>)();
        for (const [i, key] of keys.entries()) await cache.set(key, `w${i}`);
        await cache.drain();
      }
      say(`   ${label.padEnd(21)} row updates in PostgreSQL: ${String(await rowUpdates(table)).padStart(4)}`);
    }

    say();
    say('2. 200 acknowledged writes, then the flusher is SIGKILLed after taking them, before its commit');
    for (const variant of ['plain', 'durable'] as const) {
      const table = `kv_crash_${variant}`;
      await createWriteBehindTable(pool, table);
      const options = { redis, pool, name: table, table };
      const cache =
        variant === 'plain' ? writeBehind(options) : durableWriteBehind({ ...options, consumer: 'rescuer' });
      if ('init' in cache) await (cache.init as () => Promise<void>)();
      for (let i = 0; i < 200; i++) await cache.set(`k${i}`, `v${i}`);
      const worker = spawnTsWorker(crashingFlusher, [variant, redisNs.url, redisNs.prefix, db.url, table, table]);
      await worker.waitForLine('took 200');
      await worker.kill();
      const after = await rowUpdates(table);
      let recovered = 0;
      if ('recover' in cache)
        recovered = (await (cache.recover as (ms: number) => Promise<{ taken: number }>)(0)).taken;
      else await cache.drain();
      const inPg = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
      say(
        `   ${variant.padEnd(8)} in PostgreSQL after the kill: ${String(after).padStart(3)}   re-claimed: ${String(recovered).padStart(3)}   in PostgreSQL at the end: ${String(inPg).padStart(3)}   lost: ${200 - inPg}`,
      );
    }
    say();
    say('Write-behind coalesces writes; only the durable stream keeps what a crashed flusher had taken.');
  } finally {
    await redisNs.close();
    await db.close();
  }
});
