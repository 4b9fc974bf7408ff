import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  HarnessArgumentError,
  ServiceUnavailableError,
  postgresDatabase,
  privatePostgres,
  privateRedis,
  provideServices,
  redisClient,
  redisNamespace,
  serverFor,
} from '../src/services/index.ts';

describe('shared servers', () => {
  it('hands every suite the run-wide server named in the environment', async () => {
    // Vitest's global setup started (or attached to) one Redis and one PostgreSQL for the whole run.
    expect(process.env.POC_REDIS_URL).toMatch(/^redis:\/\//);
    expect(process.env.POC_POSTGRES_URL).toMatch(/^postgres:\/\//);
    expect((await serverFor('redis')).url).toBe(process.env.POC_REDIS_URL);
    expect((await serverFor('postgres')).url).toBe(process.env.POC_POSTGRES_URL);
  });
});

describe('redis namespaces', () => {
  it('keeps two suites apart and deletes a suite’s keys on close', async () => {
    const a = await redisNamespace();
    const b = await redisNamespace();
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => undefined));
    await a.client().set('k', 'from-a');
    await b.client().set('k', 'from-b');
    expect(await a.client().get('k')).toBe('from-a');
    expect(await b.client().get('k')).toBe('from-b');

    await a.close();
    const raw = redisClient(a.url);
    onTestFinished(() => void raw.disconnect());
    expect(await raw.exists(`${a.prefix}k`)).toBe(0);
    expect(await raw.exists(`${b.prefix}k`)).toBe(1);
  });

  it('puts EVAL KEYS under the prefix too', async () => {
    const ns = await redisNamespace();
    onTestFinished(() => ns.close());
    const c = ns.client();
    await c.eval("redis.call('SET', KEYS[1], ARGV[1])", 1, 'scripted', 'v');
    const raw = redisClient(ns.url);
    onTestFinished(() => void raw.disconnect());
    expect(await raw.get(`${ns.prefix}scripted`)).toBe('v');
  });
});

describe('postgres databases', () => {
  let first: Awaited<ReturnType<typeof postgresDatabase>>;
  beforeAll(async () => {
    first = await postgresDatabase();
  });
  afterAll(() => first?.close());

  it('gives each suite an empty database of its own', async () => {
    const second = await postgresDatabase();
    onTestFinished(() => second.close());
    const c1 = await first.client();
    await c1.query('CREATE TABLE t (v int); INSERT INTO t VALUES (1)');
    const c2 = await second.client();
    const { rows } = await c2.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE tablename = 't'`);
    expect(rows[0]?.n).toBe('0');
  });

  it('drops the database on close, even with connections open', async () => {
    const db = await postgresDatabase();
    const pool = db.pool();
    await pool.query('SELECT 1');
    await db.close();
    const admin = await first.client();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    expect(rowCount).toBe(0);
  });
});

describe('private servers', () => {
  it('restarts Redis on the same address, losing its in-memory data', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    expect(server.url).not.toBe(process.env.POC_REDIS_URL);
    const c = redisClient(server.url);
    onTestFinished(() => void c.disconnect());
    await c.set('k', 'v');
    await server.restart();
    // Same URL; ioredis reconnects by itself. No persistence configured, so the key is gone.
    expect(await c.get('k')).toBeNull();
  });

  it('kills PostgreSQL abruptly and starts it again with its data', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const { default: pg } = await import('pg');
    const before = new pg.Client(server.url);
    before.on('error', () => {});
    await before.connect();
    await before.query('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await server.kill();
    expect(server.running).toBe(false);
    await expect(before.query('SELECT 1')).rejects.toThrow();
    await server.start();
    const after = new pg.Client(server.url);
    onTestFinished(() => after.end());
    await after.connect();
    expect((await after.query('SELECT v FROM kept')).rows).toEqual([{ v: 42 }]);
  });

  it("gives PostgreSQL a test's own settings (wal_level=logical for change data capture)", async () => {
    const server = await privatePostgres({ config: [['wal_level', 'logical']] });
    onTestFinished(() => server.close());
    const { default: pg } = await import('pg');
    const c = new pg.Client(server.url);
    onTestFinished(() => c.end());
    await c.connect();
    expect((await c.query('SHOW wal_level')).rows).toEqual([{ wal_level: 'logical' }]);
    // The harness's own settings stay: a private server keeps default durability.
    expect((await c.query('SHOW fsync')).rows).toEqual([{ fsync: 'on' }]);
  });

  it('refuses to be used after close', async () => {
    const server = await privateRedis();
    await server.close();
    await expect(server.start()).rejects.toThrow(/closed private redis/);
  });
});

describe('clear errors', () => {
  it('fails fast, naming the variable, when an external URL does not answer', async () => {
    const saved = process.env.POC_REDIS_URL;
    process.env.POC_REDIS_URL = 'redis://127.0.0.1:1';
    onTestFinished(() => void (process.env.POC_REDIS_URL = saved));
    await expect(provideServices(['redis'])).rejects.toThrow(ServiceUnavailableError);
    await expect(provideServices(['redis'])).rejects.toThrow(
      /POC_REDIS_URL=redis:\/\/127\.0\.0\.1:1 is set, but no redis server answers/,
    );
  });

  it('rejects a URL of the wrong kind and an unknown service', async () => {
    const saved = process.env.POC_POSTGRES_URL;
    process.env.POC_POSTGRES_URL = 'mysql://localhost/x';
    onTestFinished(() => void (process.env.POC_POSTGRES_URL = saved));
    await expect(provideServices(['postgres'])).rejects.toThrow(
      /POC_POSTGRES_URL="mysql:\/\/localhost\/x" must use postgres: or postgresql: \(got "mysql:"\)/,
    );
    await expect(provideServices(['mongodb'])).rejects.toThrow(HarnessArgumentError);
    await expect(provideServices(['mongodb'])).rejects.toThrow(
      /unknown service "mongodb": expected one of redis, postgres, rabbitmq, kafka, toxiproxy/,
    );
  });

  it('says what to install when a binary is missing', async () => {
    const saved = process.env.PATH;
    const savedUrl = process.env.POC_REDIS_URL;
    const savedProvider = process.env.POC_PROVIDER;
    process.env.PATH = '/nonexistent';
    process.env.POC_PROVIDER = 'local'; // the local provider's message, whatever provider the run uses
    delete process.env.POC_REDIS_URL;
    onTestFinished(() => {
      process.env.PATH = saved;
      process.env.POC_REDIS_URL = savedUrl;
      if (savedProvider === undefined) delete process.env.POC_PROVIDER;
      else process.env.POC_PROVIDER = savedProvider;
    });
    await expect(privateRedis()).rejects.toThrow(
      /No Redis server available[\s\S]*POC_REDIS_URL[\s\S]*install-services\.sh/,
    );
  });
});
