// What people write when they have no pool: a new connection per request (new pg.Client, connect,
// query, end). Every request pays the TCP handshake, the startup message and authentication, and the
// server forks a backend for it; under load that is most of the time spent, and nothing bounds how many
// connections the process opens, so a burst meets "sorry, too many clients already". Same `query`
// signature as the MeteredPool, so tests and the bench compare like with like. Not exported from the
// main entry: import it from 'poc-postgres-connection-pool/naive'.
import pg from 'pg';
import { check, postgresCall } from './errors.ts';

export interface PerRequestClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Connections opened so far (one per query). */
  readonly opened: number;
}

/** A "client" that opens and closes one connection per query. */
export function connectPerRequest(config: pg.ClientConfig): PerRequestClient {
  check.kind(typeof config === 'object' && config !== null, 'config', 'must be a pg.ClientConfig', config);
  let opened = 0;
  return {
    get opened() {
      return opened;
    },
    async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
      text: string,
      values?: unknown[],
    ): Promise<pg.QueryResult<R>> {
      check.name('text', text);
      const client = new pg.Client(config);
      client.on('error', () => {}); // the query below reports a lost connection
      try {
        await postgresCall('connecting', () => client.connect());
        opened++;
        return await postgresCall(`running "${text.slice(0, 60)}"`, () => client.query<R>(text, values));
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
