// The server side of a connector: a publication (which tables' changes are decoded) and a logical
// replication slot (where PostgreSQL keeps the connector's position and holds back the WAL it has not
// confirmed yet). Both live in the database, so the position outlives any connector process.
import type { Clock } from '@poc/kit';
import type pg from 'pg';
import { CdcSetupError, postgresCall } from './errors.ts';
import { parseLsn } from './position.ts';

export interface SlotProgress {
  slot: string;
  /** A walsender is streaming from the slot right now (a connector is attached). */
  active: boolean;
  /** Everything committed at or before this LSN has been confirmed by the connector (Kafka acknowledged it). */
  confirmedFlushLsn: string;
  /** The oldest WAL PostgreSQL keeps for the slot. */
  restartLsn: string;
  /** Bytes of WAL written since the confirmed position: how far behind the connector is. */
  lagBytes: number;
}

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;
const qualified = (table: string): string => table.split('.').map(quote).join('.');

/** Checks that the database can feed a connector: logical WAL, and every table present with a primary key. */
export async function checkDatabase(pool: pg.Pool, tables: readonly string[]): Promise<void> {
  const { rows } = await postgresCall('reading wal_level', () => pool.query<{ wal_level: string }>('SHOW wal_level'));
  const level = rows[0]?.wal_level;
  if (level !== 'logical')
    throw new CdcSetupError(
      `PostgreSQL's wal_level is "${level}": change data capture needs wal_level = logical (set it and restart the server)`,
    );
  for (const table of tables) {
    const [schema, name] = table.split('.') as [string, string];
    const found = await postgresCall(`looking up table "${table}"`, () =>
      pool.query<{ primary_key: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
        [schema, name],
      ),
    );
    if (found.rows.length === 0) throw new CdcSetupError(`table "${table}" does not exist`);
    if (!found.rows[0]!.primary_key)
      throw new CdcSetupError(`table "${table}" has no primary key: every change is keyed by it`);
  }
}

/**
 * Creates the publication (or sets its table list) and the slot, unless they exist. The slot starts
 * at the current end of the WAL: changes committed from here on are kept for the connector, even
 * while no connector runs.
 */
export async function ensurePublicationAndSlot(pool: pg.Pool, name: string, tables: readonly string[]): Promise<void> {
  const list = tables.map(qualified).join(', ');
  await postgresCall(`creating publication "${name}"`, async () => {
    const exists = await pool.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
    await pool.query(
      exists.rowCount === 0
        ? `CREATE PUBLICATION ${quote(name)} FOR TABLE ${list}`
        : `ALTER PUBLICATION ${quote(name)} SET TABLE ${list}`,
    );
  });
  await postgresCall(`creating replication slot "${name}"`, async () => {
    const { rows } = await pool.query<{ plugin: string }>(
      'SELECT plugin FROM pg_replication_slots WHERE slot_name = $1',
      [name],
    );
    if (rows.length === 0) {
      await pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [name]);
    } else if (rows[0]!.plugin !== 'pgoutput') {
      throw new CdcSetupError(`replication slot "${name}" exists with plugin "${rows[0]!.plugin}", not pgoutput`);
    }
  });
}

/** Where the slot stands, as PostgreSQL reports it. */
export async function slotProgress(pool: pg.Pool, name: string): Promise<SlotProgress> {
  const { rows } = await postgresCall(`reading replication slot "${name}"`, () =>
    pool.query<{ active: boolean; confirmed: string; restart: string; lag: string }>(
      `SELECT active, confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart,
              pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag
         FROM pg_replication_slots WHERE slot_name = $1`,
      [name],
    ),
  );
  const row = rows[0];
  if (!row) throw new CdcSetupError(`replication slot "${name}" does not exist: call setup() first`);
  return {
    slot: name,
    active: row.active,
    confirmedFlushLsn: row.confirmed,
    restartLsn: row.restart,
    lagBytes: Number(row.lag),
  };
}

/**
 * Waits until no other process streams from the slot (a crashed connector's walsender lingers until
 * PostgreSQL notices the dead connection), then returns the confirmed position to resume from.
 */
export async function claimSlot(
  pool: pg.Pool,
  name: string,
  waitMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<bigint> {
  const deadline = clock.now() + waitMs;
  for (;;) {
    const progress = await slotProgress(pool, name);
    if (!progress.active) return parseLsn(progress.confirmedFlushLsn);
    if (clock.now() >= deadline)
      throw new CdcSetupError(
        `replication slot "${name}" is still in use by another process after ${waitMs} ms: one connector per slot`,
      );
    await clock.sleep(50, signal);
  }
}

/** Removes the slot (so PostgreSQL stops keeping WAL for it) and the publication. */
export async function dropPublicationAndSlot(pool: pg.Pool, name: string): Promise<void> {
  await postgresCall(`dropping replication slot "${name}"`, () =>
    pool.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [name]),
  );
  await postgresCall(`dropping publication "${name}"`, () => pool.query(`DROP PUBLICATION IF EXISTS ${quote(name)}`));
}
