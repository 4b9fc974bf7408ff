// What a service without a pool does: a new connection per request (new pg.Client, connect, query,
// end). Each request pays the TCP handshake, PostgreSQL's startup and authentication and the fork of a
// server backend, and nothing bounds how many connections a burst opens ("sorry, too many clients
// already"). It has the pool's `query` signature, so itemsApi() runs unchanged on it and the bench
// compares the same service on both. Not exported from the main entry: import 'poc-postgres-crud/naive'.
import pg from 'pg';
import { check } from './errors.ts';
import type { Queryable } from './schema.ts';

export interface PerRequestSource extends Queryable {
  /** Connections opened so far (one per query). */
  readonly opened: number;
}

export function connectPerRequest(config: pg.ClientConfig): PerRequestSource {
  check.kind(typeof config === 'object' && config !== null, 'config', 'must be a pg.ClientConfig', config);
  let opened = 0;
  return {
    get opened() {
      return opened;
    },
    async query<R extends Record<string, unknown>>(text: string, values?: unknown[]) {
      const client = new pg.Client(config);
      client.on('error', () => {}); // a lost connection is reported by the query below
      try {
        await client.connect();
        opened++;
        const result = await client.query<R>(text, values);
        return { rows: result.rows, rowCount: result.rowCount };
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
