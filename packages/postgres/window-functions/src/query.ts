// One read-only report query on a connection of its own, cancellable: when `signal` aborts, the running
// statement is cancelled on the server (pg_cancel_backend from another connection), not merely
// abandoned by the client, so a quadratic query someone gave up on stops burning a core.
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';

/** What the reports need from a pool: pg.Pool fits. */
export type ReportPool = Pick<pg.Pool, 'query' | 'connect'>;

export function checkPool(pool: unknown): asserts pool is ReportPool {
  const p = pool as Record<string, unknown> | null;
  check.kind(
    typeof p === 'object' && p !== null && typeof p.query === 'function' && typeof p.connect === 'function',
    'pool',
    'must be a pg.Pool',
    pool,
  );
}

export async function runReport<R extends pg.QueryResultRow>(
  pool: ReportPool,
  what: string,
  sql: string,
  values: unknown[],
  signal?: AbortSignal,
): Promise<R[]> {
  check.signal('signal', signal);
  signal?.throwIfAborted();
  const client = await postgresCall(`${what}: connecting`, () => pool.connect());
  const pid = (client as unknown as { processID?: number }).processID;
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    if (pid !== undefined) void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  let broken: Error | undefined;
  // A connection that dies mid-query emits 'error' on the client; keep it, so the client is discarded.
  const onLost = (e: Error): void => void (broken ??= e);
  client.on('error', onLost);
  try {
    const result = await client.query<R>(sql, values);
    return result.rows;
  } catch (e) {
    // An error the server answered with (it has a SQLSTATE) leaves the connection usable; any other does not.
    if (!(typeof (e as { code?: unknown }).code === 'string')) broken ??= e instanceof Error ? e : new Error(String(e));
    if (cancelled && signal?.aborted) throw signal.reason; // 57014, canceling statement due to user request
    return await postgresCall(what, () => Promise.reject(e));
  } finally {
    signal?.removeEventListener('abort', cancel);
    client.off('error', onLost);
    // After a cancel, discard the connection: a pg_cancel_backend still on its way must not reach the
    // next query that would run on this backend.
    client.release(broken ?? (cancelled ? new Error('report cancelled') : undefined));
  }
}
