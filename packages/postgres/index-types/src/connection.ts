// Long statements (a bulk load, CREATE INDEX on millions of rows) on a connection of their own, so an
// AbortSignal can stop them on the server: pg has no per-query abort, so the abort sends
// pg_cancel_backend(pid) from another connection, and the statement fails with SQLSTATE 57014.
import type pg from 'pg';
import { postgresCall } from './errors.ts';

/** What this package needs from a pg.Pool. */
export type PoolLike = Pick<pg.Pool, 'query' | 'connect'>;

export async function onOwnConnection<T>(
  pool: PoolLike,
  what: string,
  signal: AbortSignal | undefined,
  body: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const client = await postgresCall(`${what}: connecting`, () => pool.connect());
  let broken: Error | undefined;
  const onLost = (e: Error): void => void (broken ??= e);
  client.on('error', onLost);
  let cancel: (() => void) | undefined;
  try {
    if (signal) {
      const { rows } = await postgresCall(`${what}: reading the backend pid`, () =>
        client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
      );
      const pid = rows[0]!.pid;
      cancel = () => void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
      signal.addEventListener('abort', cancel, { once: true });
    }
    try {
      return await postgresCall(what, () => body(client));
    } catch (e) {
      if (signal?.aborted) throw signal.reason; // the cancel we sent, not a failure of the server
      throw e;
    }
  } finally {
    if (cancel) signal?.removeEventListener('abort', cancel);
    client.off('error', onLost);
    client.release(broken);
  }
}
