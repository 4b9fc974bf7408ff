// Two transactions on two real connections, driven one statement at a time, like the T1 / T2 tables
// in a textbook. Each step is awaited before the next, so the interleaving is exactly the one written.
// A statement that must wait for a lock is *started* without awaiting; blocked() then proves, from a
// third connection, that the server parked it on a lock held by the other session.
import { eventually } from '@poc/harness/testing';
import type pg from 'pg';

/** What one statement did: rows, or the server's error (never thrown, so the table can go on). */
export type Step =
  | { ok: true; command: string; rowCount: number; rows: Array<Record<string, unknown>> }
  | { ok: false; code: string; message: string };

export interface Line {
  who: string;
  sql: string;
  outcome: string;
}

export interface Pending {
  /** Resolves once the server has parked the statement on a lock; says who holds it. Fails if it finished instead. */
  blocked(): Promise<{ waitingOn: string[] }>;
  /** The statement's outcome, once the lock is released. */
  readonly result: Promise<Step>;
}

export interface Session {
  readonly name: string;
  readonly pid: number;
  begin(level: string): Promise<void>;
  run(sql: string, params?: unknown[]): Promise<Step>;
  /** First column of the first row; throws if the statement failed. */
  value<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
  /** Sends the statement now and returns without waiting for its answer. */
  start(sql: string, params?: unknown[]): Pending;
  commit(): Promise<Step>;
  /** Ends whatever transaction is open (none open is fine). */
  rollback(): Promise<void>;
}

export interface Sessions {
  T1: Session;
  T2: Session;
  /** A third, autocommit connection: sets tables up, reads final state, watches pg_stat_activity. */
  observer: pg.Client;
  /** Every step in the order it happened. */
  readonly transcript: readonly Line[];
  clearTranscript(): void;
}

const describeStep = (s: Step): string => {
  if (!s.ok) return `→ ERROR ${s.code}: ${s.message}`;
  if (s.command === 'SELECT' && s.rows.length === 1 && Object.keys(s.rows[0]!).length === 1)
    return `→ ${String(Object.values(s.rows[0]!)[0])}`;
  return s.command === 'UPDATE' || s.command === 'INSERT' || s.command === 'DELETE'
    ? `→ ${s.command} ${s.rowCount}`
    : `→ ${s.command}`;
};

async function execute(client: pg.Client, sql: string, params?: unknown[]): Promise<Step> {
  try {
    const r = await client.query(sql, params);
    return { ok: true, command: r.command, rowCount: r.rowCount ?? 0, rows: r.rows as Array<Record<string, unknown>> };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') throw e; // not a server error (connection lost ...): let it fail loudly
    return { ok: false, code, message: (e as Error).message };
  }
}

/**
 * Opens T1, T2 and an observer on `connect()` (e.g. `() => db.client()`; the caller owns and closes
 * the clients). Statements are passed as written, so keep parameters in `params`.
 */
export async function openSessions(connect: () => Promise<pg.Client>): Promise<Sessions> {
  const [c1, c2, observer] = await Promise.all([connect(), connect(), connect()]);
  const transcript: Line[] = [];
  const names = new Map<number, string>();

  const session = async (name: string, client: pg.Client): Promise<Session> => {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    names.set(pid, name);
    const record = (sql: string, outcome: string): void => void transcript.push({ who: name, sql, outcome });
    const run = async (sql: string, params?: unknown[]): Promise<Step> => {
      const step = await execute(client, sql, params);
      record(sql, describeStep(step));
      return step;
    };
    return {
      name,
      pid,
      async begin(level) {
        const step = await run(`BEGIN ISOLATION LEVEL ${level.toUpperCase()}`);
        if (!step.ok) throw new Error(`${name}: BEGIN failed: ${step.message}`);
      },
      run,
      async value<T>(sql: string, params?: unknown[]): Promise<T> {
        const step = await run(sql, params);
        if (!step.ok) throw new Error(`${name}: "${sql}" failed with ${step.code}: ${step.message}`);
        if (step.rows.length === 0) throw new Error(`${name}: "${sql}" returned no row`);
        return Object.values(step.rows[0]!)[0] as T;
      },
      start(sql, params) {
        let settled = false;
        const result = execute(client, sql, params).then((step) => {
          settled = true;
          record(sql, `${describeStep(step)} (resumed)`);
          return step;
        });
        return {
          result,
          async blocked() {
            const seen = await eventually(
              async () => {
                if (settled) return 'finished' as const;
                const { rows } = await observer.query<{ wait_event_type: string | null; blockers: number[] }>(
                  'SELECT wait_event_type, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE pid = $1',
                  [pid],
                );
                const row = rows[0];
                return row?.wait_event_type === 'Lock' && row.blockers.length > 0 ? row : false;
              },
              { what: `${name} to wait for a lock on "${sql}"`, intervalMs: 10 },
            );
            if (seen === 'finished') throw new Error(`${name}: "${sql}" finished without waiting for a lock`);
            const waitingOn = seen.blockers.map((p) => names.get(p) ?? `pid ${p}`);
            record(sql, `… waits for ${waitingOn.join(', ')} (pg_stat_activity: wait_event_type = Lock)`);
            return { waitingOn };
          },
        };
      },
      commit: () => run('COMMIT'),
      async rollback() {
        await execute(client, 'ROLLBACK');
      },
    };
  };

  const [T1, T2] = await Promise.all([session('T1', c1), session('T2', c2)]);
  return {
    T1,
    T2,
    observer,
    transcript,
    clearTranscript: () => void transcript.splice(0),
  };
}

/** The transcript as a two-column table: T1's steps on the left, T2's indented to the right. */
export function renderTranscript(lines: readonly Line[], width = 58): string {
  return lines
    .map((l, i) => {
      const text = `${l.sql} ${l.outcome}`;
      const step = String(i + 1).padStart(2);
      return l.who === 'T1' ? `${step}  T1  ${text}` : `${step}  ${' '.repeat(width)}T2  ${text}`;
    })
    .join('\n');
}
