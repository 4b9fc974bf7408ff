// pnpm --filter poc-redis-sessions bench
// The claim: reading a session (with its sliding-expiry touch) from Redis vs from a PostgreSQL
// sessions table. The same 10 000 sessions (same ids, same data) live in both; every read picks one
// at random and restarts its expiry.
//   postgres-update-returning : UPDATE ... SET last_seen, expires_at WHERE id = $1 RETURNING (one statement)
//   postgres-select-update    : SELECT, then UPDATE last_seen (two statements)
//   redis                     : MULTI HGETALL + PEXPIRE EXEC (this package's read)
// PostgreSQL's one-statement read is the baseline of every ratio. Then, as facts less sensitive to a
// busy machine, the servers' own time per read: Redis's EXEC usec_per_call (it spans the queued
// HGETALL and PEXPIRE) and PostgreSQL's EXPLAIN ANALYZE execution time of the UPDATE ... RETURNING.
import { runMain } from '@poc/kit';
import { benchReport, compareLoad, compareThroughput, measure, postgresDatabase, redisNamespace } from '@poc/harness';
import { sessionStore } from '../src/index.ts';
import { insertSessions, readAndTouch, schema, selectThenTouch } from './pg-sessions.ts';

const SESSIONS = 10_000;
const USERS = 2_000;
const TTL_MS = 30 * 60_000;
const CONCURRENCY = 16;
const DATA = { role: 'member', theme: 'dark', locale: 'en-GB', cart: '3', csrf: 'c2VjcmV0LXRva2VuLXZhbHVl' };

runMain(async () => {
  const ns = await redisNamespace({ name: 'sessbench' });
  const db = await postgresDatabase({ name: 'sessbench' });
  try {
    const redis = ns.client();
    const pool = db.pool({ max: CONCURRENCY });
    const store = sessionStore({ redis, ttlMs: TTL_MS });

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

    const variants = {
      'postgres-update-returning': async () => void mustFind(await readAndTouch(pool, pick(), TTL_MS)),
      'postgres-select-update': async () => void mustFind(await selectThenTouch(pool, pick(), TTL_MS)),
      redis: async () => {
        const r = await store.read(pick());
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
        pgPool: CONCURRENCY,
        redisConnections: 1,
        pgDurability: 'shared test server (harness defaults, not tuned for durability)',
      },
      services: ['redis', 'postgres'],
    });

    const sequential = await compareThroughput({
      id: 'read-one-caller',
      title: 'Session read + sliding touch, one caller',
      variants,
      rounds: 5,
      timeMs: 1_000,
    });
    report.add(sequential);
    const loaded = await compareLoad({
      id: 'read-concurrent',
      title: `Session read + sliding touch, ${CONCURRENCY} concurrent callers`,
      variants,
      concurrency: CONCURRENCY,
      durationMs: 1_500,
      rounds: 5,
    });
    report.add(loaded);

    // Server-side time per read.
    const execStats = async (): Promise<{ calls: number; usec: number }> => {
      const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_exec:'));
      const m = line ? /calls=(\d+),usec=(\d+)/.exec(line) : null;
      if (!m) throw new Error('no cmdstat_exec in INFO commandstats');
      return { calls: Number(m[1]), usec: Number(m[2]) };
    };
    const SERVER_SAMPLES = 2_000;
    const before = await execStats();
    for (let i = 0; i < SERVER_SAMPLES; i++) await store.read(pick());
    const after = await execStats();
    const redisUsec = (after.usec - before.usec) / (after.calls - before.calls);
    report.add({
      id: 'redis-server-time',
      title: `Redis server time per read (EXEC usec_per_call over ${after.calls - before.calls} reads)`,
      value: Math.round(redisUsec * 10) / 10,
      unit: 'µs',
    });
    const pgServer = await measure({
      id: 'postgres-server-time',
      title: 'PostgreSQL execution time per read (EXPLAIN ANALYZE of the UPDATE ... RETURNING)',
      samples: 500,
      warmup: 20,
      run: async () => {
        const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) UPDATE sessions SET last_seen = now(), expires_at = now() + make_interval(secs => $2::float8 / 1000)
         WHERE id = $1 AND expires_at > now() RETURNING user_id, data`,
          [pick(), TTL_MS],
        );
        return rows[0]!['QUERY PLAN'][0]!['Execution Time'];
      },
    });
    report.add(pgServer);

    const ratio = (c: typeof loaded, v: string): string => c.ratios.find((r) => r.variant === v)!.median.toFixed(1);
    await report.finish(
      `Reading a session with its sliding-expiry touch, Redis ÷ PostgreSQL (UPDATE ... RETURNING) = ${ratio(sequential, 'redis')}x with one caller ` +
        `and ${ratio(loaded, 'redis')}x with ${CONCURRENCY} concurrent callers; the SELECT-then-UPDATE version ran at ${ratio(loaded, 'postgres-select-update')}x of the one-statement one under load; ` +
        `server time per read: Redis ${redisUsec.toFixed(1)} µs, PostgreSQL ${(pgServer.summary.median * 1_000).toFixed(0)} µs (median).`,
    );
  } finally {
    await ns.close();
    await db.close();
  }
});
