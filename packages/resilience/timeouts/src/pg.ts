// A query that stops on the SERVER when its signal aborts. Abandoning the promise is not enough: the
// backend would run the statement to its end, holding locks, a pool connection and CPU for a caller that
// left. On abort pgQuery sends PostgreSQL's CancelRequest (the protocol message psql's Ctrl-C sends: a new
// connection carrying the backend's pid and secret key, no login, no pool slot needed), waits for the
// statement to end, and rethrows the signal's reason (the TimeoutError), not the "canceling statement" error.
import net from 'node:net';
import pg from 'pg';
import { check } from './errors.ts';

export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** Runs `sql` with `values`; when `signal` aborts, the running statement is cancelled on the server. */
export async function pgQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  values: readonly unknown[],
  signal: AbortSignal,
): Promise<R[]> {
  check.kind(
    typeof db === 'object' && db !== null && typeof db.query === 'function',
    'db',
    'must be a pg Pool or Client',
    db,
  );
  check.name('sql', sql);
  check.kind(Array.isArray(values), 'values', 'must be an array', values);
  check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
  signal.throwIfAborted();
  if (db instanceof pg.Pool) {
    const client = await connect(db, signal);
    try {
      return await queryCancellable<R>(client, sql, values, signal);
    } finally {
      client.release();
    }
  }
  return queryCancellable<R>(db as pg.Client, sql, values, signal);
}

/** pool.connect() takes no signal: give up waiting on abort, and hand the connection back when it comes. */
function connect(pool: pg.Pool, signal: AbortSignal): Promise<pg.PoolClient> {
  const acquiring = pool.connect();
  return new Promise((resolve, reject) => {
    // The connection that arrives after an abort is released below (signal.aborted), exactly once.
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    acquiring.then(
      (client) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) client.release();
        else resolve(client);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

async function queryCancellable<R extends pg.QueryResultRow>(
  client: pg.Client,
  sql: string,
  values: readonly unknown[],
  signal: AbortSignal,
): Promise<R[]> {
  let cancelling: Promise<void> | undefined;
  const onAbort = (): void => {
    cancelling = sendCancelRequest(client);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return (await client.query<R>(sql, values as unknown[])).rows;
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // The connection goes back to the pool only once the cancel has been delivered, so it cannot hit the
    // next statement run on this connection.
    await cancelling;
  }
}

/**
 * CancelRequest: Int32 length 16, Int32 80877102, Int32 backend pid, Int32 secret key, on a fresh socket
 * to the same host and port; the server closes it once the backend has been signalled.
 */
export function sendCancelRequest(client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number | null; secretKey: number | null };
  if (processID === null || secretKey === null) return Promise.resolve();
  return new Promise((resolve) => {
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(80877102, 4);
    message.writeInt32BE(processID, 8);
    message.writeInt32BE(secretKey, 12);
    const socket = net.connect(client.port, client.host, () => socket.end(message));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve()); // best effort: the statement timeout of the server is the backstop
  });
}
