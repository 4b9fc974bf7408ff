// pnpm --filter poc-redis-sessions bench
// The claim: reading a session (with its sliding-expiry touch) from Redis vs from a PostgreSQL
// sessions table. The same 10 000 sessions (same ids, same data) live in both; every read picks one
// at random and restarts its expiry.
//   postgres-update-returning : UPDATE ... SET last_seen, expires_at WHERE id = $1 RETURNING (one statement)
//   postgres-select-update    : SELECT, then UPDATE last_seen (two statements)
//   redis                     : MULTI HGETALL + PEXPIRE EXEC (this package's read)
// PostgreSQL's one-statement read is the baseline of every ratio. Both sides are measured the same
// way, at the client: from the call to its answer, with the same number of connections (one caller:
// one connection each; N callers: N Redis connections, one per caller, and a PostgreSQL pool of N).
// The servers' durability settings are read from the servers and recorded with the figures.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { runMain } from '@poc/kit';
import { benchReport, compareLoad, postgresDatabase, redisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { sessionStore } from '../src/index.ts';
import { insertSessions, readAndTouch, schema, selectThenTouch } from './pg-sessions.ts';

const SESSIONS = 10_000;
const USERS = 2_000;
const TTL_MS = 30 * 60_000;
const CONCURRENCY = 16;
const ROUNDS = 9;
const ONE_CALLER_MS = 750;
const CONCURRENT_MS = 1_250;
const DATA = { role: 'member', theme: 'dark', locale: 'en-GB', cart: '3', csrf: 'c2VjcmV0LXRva2VuLXZhbHVl' };

/** The file system a path lives on ("ext4 /dev/vda", "tmpfs"), from /proc/mounts; undefined off this host. */
function fileSystemOf(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const real = realpathSync(path);
  let best: { target: string; type: string; source: string } | undefined;
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [source, target, type] = line.split(' ');
    if (!source || !target || !type) continue;
    const t = target.replace(/\\040/g, ' ');
    if ((real === t || real.startsWith(t.endsWith('/') ? t : `${t}/`)) && (!best || t.length > best.target.length))
      best = { target: t, type, source };
  }
  return best && `${best.type}${best.type === 'tmpfs' ? ' (RAM)' : ` on ${best.source}`}`;
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'sessbench' });
  const db = await postgresDatabase({ name: 'sessbench' });
  try {
    // One Redis connection per caller, as the PostgreSQL pool gives one connection per caller.
    const redisClients: Redis[] = Array.from({ length: CONCURRENCY }, () => ns.client());
    const stores = redisClients.map((redis) => sessionStore({ redis, ttlMs: TTL_MS }));
    const pool = db.pool({ max: CONCURRENCY });
    const store = stores[0]!;

    await pool.query(schema);
    const ids: string[] = [];
    for (let batch = 0; batch < SESSIONS / 1_000; batch++) {
      const created = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => store.create(`user-${(batch * 1_000 + i) % USERS}`, DATA)),
      );
      await insertSessions(
        pool,
        created.map((s) => ({ id: s.id, userId: s.userId, data: s.data })),
        TTL_MS,
      );
      ids.push(...created.map((s) => s.id));
    }
    await pool.query('VACUUM ANALYZE sessions');
    // Open every connection before anything is timed.
    await Promise.all(redisClients.map((c) => c.ping()));
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));
    const pick = (): string => ids[Math.floor(Math.random() * ids.length)]!;
    const mustFind = <T>(x: T | undefined): T => {
      if (x === undefined) throw new Error('a seeded session was not found');
      return x;
    };

    // A read returns the same thing in all three, checked once before timing.
    const probe = ids[0]!;
    const fromRedis = await store.read(probe);
    const fromPg = mustFind(await readAndTouch(pool, probe, TTL_MS));
    const sorted = (d: Record<string, string>): string =>
      JSON.stringify(Object.entries(d).sort(([a], [b]) => a.localeCompare(b)));
    if (
      !fromRedis.ok ||
      sorted(fromRedis.session.data) !== sorted(fromPg.data) ||
      sorted(fromPg.data) !== sorted(DATA)
    ) {
      throw new Error('Redis and PostgreSQL hold different data for the same session');
    }

    // What each server promises about a read's touch surviving a crash, as the servers report it.
    const { rows: pgRows } = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
       WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'data_directory')`,
    );
    const pgSetting = (name: string): string => pgRows.find((r) => r.name === name)?.setting ?? 'unknown';
    const redisConfig = async (name: string): Promise<string> =>
      ((await redisClients[0]!.config('GET', name)) as string[])[1] ?? 'unknown';
    const redisDir = await redisConfig('dir');
    const where = (dir: string): string => fileSystemOf(dir) ?? 'not visible from this host';

    const variants = {
      'postgres-update-returning': async () => void mustFind(await readAndTouch(pool, pick(), TTL_MS)),
      'postgres-select-update': async () => void mustFind(await selectThenTouch(pool, pick(), TTL_MS)),
      redis: async (worker: number) => {
        const r = await stores[worker]!.read(pick());
        if (!r.ok) throw new Error(`a seeded session was not found: ${r.reason}`);
      },
    };

    const report = benchReport({
      parameters: {
        sessions: SESSIONS,
        users: USERS,
        fieldsPerSession: Object.keys(DATA).length,
        ttlMs: TTL_MS,
        concurrency: CONCURRENCY,
        connectionsPerSide: `1 with one caller; ${CONCURRENCY} with ${CONCURRENCY} callers (Redis: one ioredis client per caller; PostgreSQL: a pg pool of ${CONCURRENCY})`,
        measuredAt: 'the client: from the call to its answer (same loop for both, harness compareLoad)',
        msPerVariantPerRound: `${ONE_CALLER_MS} (one caller), ${CONCURRENT_MS} (${CONCURRENCY} callers), after 500 ms of warm-up each`,
        postgresDurability: `fsync=${pgSetting('fsync')}, synchronous_commit=${pgSetting('synchronous_commit')}, full_page_writes=${pgSetting('full_page_writes')}`,
        postgresWalLevel: pgSetting('wal_level'),
        postgresDataOn: where(pgSetting('data_directory')),
        redisPersistence: `appendonly=${await redisConfig('appendonly')}, save="${await redisConfig('save')}"`,
        redisDirOn: where(redisDir),
      },
      services: ['redis', 'postgres'],
    });

    report.add(
      await compareLoad({
        id: 'read-one-caller',
        title: 'Session read + sliding touch, one caller (one connection each)',
        variants,
        concurrency: 1,
        durationMs: ONE_CALLER_MS,
        rounds: ROUNDS,
      }),
    );
    report.add(
      await compareLoad({
        id: 'read-concurrent',
        title: `Session read + sliding touch, ${CONCURRENCY} concurrent callers (${CONCURRENCY} connections each)`,
        variants,
        concurrency: CONCURRENCY,
        durationMs: CONCURRENT_MS,
        rounds: ROUNDS,
      }),
    );

    await report.finish(
      "The roadmap's claim, a session read against a DB session table, measured at the client with equal connections: " +
        'reading a session with its sliding-expiry touch, Redis ÷ PostgreSQL (UPDATE ... RETURNING) = {ratio:read-one-caller/redis} ' +
        'with one caller (p50 {p50:read-one-caller/redis} ms against {p50:read-one-caller/postgres-update-returning} ms) ' +
        'and {ratio:read-concurrent/redis} with {param:concurrency} callers; the SELECT-then-UPDATE version ran at ' +
        '{ratio:read-concurrent/postgres-select-update} of the one-statement one under load. ' +
        'PostgreSQL ran with {param:postgresDurability}, Redis with {param:redisPersistence}.',
    );
  } finally {
    await ns.close();
    await db.close();
  }
});
