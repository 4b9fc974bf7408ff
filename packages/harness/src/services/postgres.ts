// PostgreSQL for one suite: a fresh database cloned from a template on the shared server.
import pg from 'pg';
import { uniqueName } from '../testing/names.ts';
import { serverFor, startPrivateServer } from './servers.ts';
import type { PrivateServer } from './types.ts';

export interface PostgresDatabase extends AsyncDisposable {
  /** Connection URL of this suite's database. */
  readonly url: string;
  readonly name: string;
  /** A pool on this database; ended on close(). */
  pool(config?: Omit<pg.PoolConfig, 'connectionString'>): pg.Pool;
  /** A connected client on this database; ended on close(). */
  client(): Promise<pg.Client>;
  /** Ends its pools and clients and drops the database. Idempotent. */
  close(): Promise<void>;
}

/** Replaces the database part of a postgres:// URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// One small admin pool per server URL, reused by every suite of this process.
const admins = new Map<string, pg.Pool>();
function admin(url: string): pg.Pool {
  let pool = admins.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle admin connection dropped by a server restart is not an error
    admins.set(url, pool);
  }
  return pool;
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const fileCopy = new Map<string, Promise<boolean>>();

/**
 * Creates an empty database for one suite, cloned from template1. On PostgreSQL 15+ it asks for
 * STRATEGY = FILE_COPY: with data on tmpfs it measured 11 ms against 25 ms for the default WAL_LOG
 * (see the harness bench). Older servers only have FILE_COPY, under no name.
 */
export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  let supported = fileCopy.get(serverUrl);
  if (!supported) {
    supported = admin(serverUrl)
      .query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)
      .then((r) => Number(r.rows[0]?.v ?? 0) >= 150_000);
    fileCopy.set(serverUrl, supported);
  }
  const strategy = (await supported) ? ' STRATEGY = FILE_COPY' : '';
  await admin(serverUrl).query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template1${strategy}`);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl).query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** Isolation for one suite: its own database on the shared server. */
export async function postgresDatabase(options: { name?: string } = {}): Promise<PostgresDatabase> {
  const server = await serverFor('postgres');
  const name = uniqueName(options.name ?? 't');
  await createDatabase(server.url, name);
  const url = withDatabase(server.url, name);
  const pools = new Set<pg.Pool>();
  const clients = new Set<pg.Client>();
  let closed = false;
  const db: PostgresDatabase = {
    url,
    name,
    pool(config = {}) {
      const p = new pg.Pool({ connectionTimeoutMillis: 5_000, ...config, connectionString: url });
      pools.add(p);
      return p;
    },
    async client() {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      clients.add(c);
      await c.connect();
      return c;
    },
    async close() {
      if (closed) return;
      closed = true;
      // pool.end() resolves before its sockets close, so DROP ... WITH (FORCE) below terminates
      // backends whose clients then emit FATAL 57P01 on the pool; with no listener that would crash
      // the process. Listen only now: errors while the suite runs must still surface.
      const ignore = (): void => {};
      for (const p of pools) p.on('error', ignore);
      for (const c of clients) c.on('error', ignore);
      await Promise.allSettled([...pools].map((p) => p.end()));
      await Promise.allSettled([...clients].map((c) => c.end()));
      await dropDatabase(server.url, name);
    },
    [Symbol.asyncDispose]: () => db.close(),
  };
  return db;
}

/**
 * A PostgreSQL server of its own (for restart / kill tests), with default durability. Close it when done.
 * `config` adds settings after the harness's own, e.g. `privatePostgres({ config: [['wal_level', 'logical']] })`.
 */
export const privatePostgres = (options: { config?: Array<[string, string]> } = {}): Promise<PrivateServer> =>
  startPrivateServer('postgres', options);
