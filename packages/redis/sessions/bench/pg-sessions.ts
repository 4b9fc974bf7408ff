// The baseline: sessions as rows of a PostgreSQL table, the way many apps keep them
// (connect-pg-simple, Django's and Rails' database session stores work like this).
import type pg from 'pg';

export const schema = `
  CREATE TABLE sessions (
    id          text PRIMARY KEY,
    user_id     text NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
  );
  CREATE INDEX sessions_user_id ON sessions (user_id);`;

/** Inserts sessions in one statement per batch. */
export async function insertSessions(
  pool: pg.Pool,
  rows: Array<{ id: string; userId: string; data: Record<string, string> }>,
  ttlMs: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO sessions (id, user_id, data, expires_at)
     SELECT id, user_id, data::jsonb, now() + make_interval(secs => $4::float8 / 1000)
     FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, user_id, data)`,
    [rows.map((r) => r.id), rows.map((r) => r.userId), rows.map((r) => JSON.stringify(r.data)), ttlMs],
  );
}

/** Read with sliding expiry in one statement: the UPDATE finds the row by primary key, touches it and returns it. */
export async function readAndTouch(
  pool: pg.Pool,
  id: string,
  ttlMs: number,
): Promise<{ userId: string; data: Record<string, string> } | undefined> {
  const { rows } = await pool.query<{ user_id: string; data: Record<string, string> }>(
    `UPDATE sessions SET last_seen = now(), expires_at = now() + make_interval(secs => $2::float8 / 1000)
     WHERE id = $1 AND expires_at > now()
     RETURNING user_id, data`,
    [id, ttlMs],
  );
  const row = rows[0];
  return row ? { userId: row.user_id, data: row.data } : undefined;
}

/** The two-statement version often written first: SELECT the session, then UPDATE last_seen. */
export async function selectThenTouch(
  pool: pg.Pool,
  id: string,
  ttlMs: number,
): Promise<{ userId: string; data: Record<string, string> } | undefined> {
  const { rows } = await pool.query<{ user_id: string; data: Record<string, string> }>(
    `SELECT user_id, data FROM sessions WHERE id = $1 AND expires_at > now()`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  await pool.query(
    `UPDATE sessions SET last_seen = now(), expires_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1`,
    [id, ttlMs],
  );
  return { userId: row.user_id, data: row.data };
}
