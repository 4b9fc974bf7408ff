// The builder and the plan reader on their own: sizes read back from the server, drop, the injected
// clock, cancelling a build on the server through an AbortSignal, and a server error surfaced as ours.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import { eventually } from '@poc/harness/testing';
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  STRATEGIES,
  createEvents,
  indexBuilder,
  isIndexTypesError,
  parsePlan,
  readPlan,
  type IndexStrategy,
} from '../src/index.ts';

const TABLE = 'events';
let db: PostgresDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await postgresDatabase({ name: 'index_types_builder' });
  pool = db.pool({ max: 4 });
  await createEvents(pool, { table: TABLE, rows: 50_000 });
}, 30_000);
afterAll(() => db?.close());

const serverSize = async (name: string): Promise<number | null> => {
  const { rows } = await pool.query<{ bytes: string | null }>('SELECT pg_relation_size(to_regclass($1)) AS bytes', [
    name,
  ]);
  return rows[0]!.bytes === null ? null : Number(rows[0]!.bytes);
};

describe('indexBuilder', () => {
  it('builds each strategy with its DDL and reports the size the server reports', async () => {
    const builder = indexBuilder(pool, { table: TABLE });
    const sizes: Record<string, number> = {};
    for (const s of Object.values(STRATEGIES)) {
      const built = await builder.build(s);
      expect(built.name).toBe(`${TABLE}_${s.name}`);
      const { rows } = await pool.query<{ amname: string; def: string }>(
        `SELECT am.amname, pg_get_indexdef(c.oid) AS def FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = $1::regclass`,
        [built.name],
      );
      expect(rows[0]!.amname).toBe(s.method);
      expect(rows[0]!.def).toContain(`(${s.column})`);
      expect(built.sizeBytes).toBe(await serverSize(built.name));
      expect(await builder.sizeOf(s)).toBe(built.sizeBytes);
      sizes[s.name] = built.sizeBytes;
    }
    // Sizes are a property of the structure, not of timing: BRIN keeps two timestamps per 128 pages.
    expect(sizes.brin!).toBeLessThan(sizes.btree! / 10);
  });

  it('rebuilds an index that exists, and drop() removes it (true once, then false)', async () => {
    const builder = indexBuilder(pool, { table: TABLE });
    await builder.build(STRATEGIES.hash);
    await builder.build(STRATEGIES.hash);
    expect(await builder.drop(STRATEGIES.hash)).toBe(true);
    expect(await serverSize(`${TABLE}_hash`)).toBeNull();
    expect(await builder.sizeOf(STRATEGIES.hash)).toBeUndefined();
    expect(await builder.drop(STRATEGIES.hash)).toBe(false);
  });

  it('takes a strategy of your own (BRIN with 16 pages per range: more summaries, a bigger index)', async () => {
    const fine: IndexStrategy = { ...STRATEGIES.brin, name: 'brin16', with: { pages_per_range: 16 } };
    const builder = indexBuilder(pool, { table: TABLE });
    const coarse = await builder.build(STRATEGIES.brin);
    const built = await builder.build(fine);
    const { rows } = await pool.query<{ opts: string[] }>(
      `SELECT reloptions AS opts FROM pg_class WHERE oid = $1::regclass`,
      [built.name],
    );
    expect(rows[0]!.opts).toEqual(['pages_per_range=16']);
    expect(built.sizeBytes).toBeGreaterThanOrEqual(coarse.sizeBytes);
  });

  it('times CREATE INDEX on the injected clock', async () => {
    const readings = [1_000, 1_250];
    const clock: Clock = { ...systemClock, now: () => readings.shift() ?? 9_999 };
    const built = await indexBuilder(pool, { table: TABLE, clock }).build(STRATEGIES.btree);
    expect(built.buildMs).toBe(250);
    expect(readings).toEqual([]);
  });

  it('an abort cancels a waiting CREATE INDEX on the server: the build rejects with the reason, no index is left', async () => {
    // Another transaction holds ROW EXCLUSIVE on the table, so CREATE INDEX (which needs SHARE) waits:
    // the abort then certainly lands while the statement runs on the server.
    const builder = indexBuilder(pool, { table: TABLE });
    await builder.drop(STRATEGIES.gin); // before the lock: DROP INDEX would wait for it too
    const holder = await db.client();
    onTestFinished(() => holder.end());
    await holder.query(`BEGIN; LOCK TABLE ${TABLE} IN ROW EXCLUSIVE MODE`);
    const controller = new AbortController();
    const building = builder.build(STRATEGIES.gin, { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX%'`,
          )
        ).rowCount === 1,
      { what: 'CREATE INDEX waiting for the lock' },
    );
    const reason = new Error('stop the build');
    controller.abort(reason);
    expect(await building).toBe(reason);
    await holder.query('ROLLBACK');
    expect(await serverSize(`${TABLE}_gin`)).toBeNull();
    const stuck = await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX%' AND state = 'active'`,
    );
    expect(stuck.rowCount).toBe(0);
  });

  it("surfaces a server error as an IndexTypesServiceError naming what was being done, with pg's error as cause", async () => {
    const builder = indexBuilder(pool, { table: 'no_such_table' });
    const err = await builder.build(STRATEGIES.btree).catch((e: unknown) => e);
    expect(isIndexTypesError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe('building no_such_table_btree failed: relation "no_such_table" does not exist');
    expect((err as { cause: { code: string } }).cause.code).toBe('42P01');
  });
});

describe('readPlan / parsePlan', () => {
  it('applies planner switches to that statement only, and leaves the session as it was', async () => {
    const single = db.pool({ max: 1 }); // one connection: the plan and the check below share it
    onTestFinished(() => single.end());
    const sql = 'SELECT id FROM events WHERE id = 5';
    const forced = await readPlan(single, sql, [], { settings: { enable_seqscan: false } });
    expect(forced.seqScanned).toEqual(['events']); // no index on id: disabled, yet the only way
    const cost = (p: typeof forced): number => Number(p.nodes[0]!.raw['Total Cost']);
    expect(cost(forced)).toBeGreaterThanOrEqual(1e10); // PostgreSQL 15 prices a disabled node at 1e10
    const { rows } = await single.query<{ s: string }>(`SELECT current_setting('enable_seqscan') AS s`);
    expect(rows[0]!.s).toBe('on');
    expect(cost(await readPlan(single, sql))).toBeLessThan(1e10);
  });

  it('sums per-loop counts over parallel workers and walks every node', () => {
    const plan = parsePlan([
      {
        Plan: {
          'Node Type': 'Aggregate',
          Plans: [
            {
              'Node Type': 'Gather',
              Plans: [
                {
                  'Node Type': 'Bitmap Heap Scan',
                  'Relation Name': 'events',
                  'Actual Rows': 1200,
                  'Actual Loops': 3,
                  'Rows Removed by Index Recheck': 1000,
                  'Lossy Heap Blocks': 256,
                  Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'events_brin', 'Actual Loops': 1 }],
                },
              ],
            },
          ],
        },
        'Execution Time': 4.5,
      },
    ]);
    expect(plan.nodes.map((n) => n.nodeType)).toEqual(['Aggregate', 'Gather', 'Bitmap Heap Scan', 'Bitmap Index Scan']);
    expect(plan.indexNames).toEqual(['events_brin']);
    expect(plan.usesIndex('events_brin')).toBe(true);
    expect(plan.seqScanned).toEqual([]);
    expect(plan.nodes[2]!.actualRows).toBe(3600);
    expect(plan.rowsRemovedByIndexRecheck).toBe(3000);
    expect(plan.lossyHeapBlocks).toBe(256);
    expect(plan.executionMs).toBe(4.5);
  });
});
