// Each key strategy against the real server: ids come back in payload order and are the ids stored;
// sequence values and v7 UUIDs grow, v4 ones do not; a sequence never hands a value out twice, not even
// to a transaction that rolled back (so it leaves gaps); and what each key does to the index's size.
import { barrier, postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKeys, keyedTable, serverUuidV4Keys, uuidV4Keys, uuidV7Keys, type KeyStrategy } from '../src/index.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'sequences_keys' });
  pool = db.pool({ max: 10 });
});
afterAll(() => db?.close());

const payloads = (n: number, tag = 'p'): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);
const sorted = (ids: string[]): string[] =>
  [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));

describe.each([
  ['identity', identityKeys],
  ['v4', uuidV4Keys],
  ['v7', uuidV7Keys],
  ['server_v4', serverUuidV4Keys],
] as Array<[string, KeyStrategy]>)('%s keys', (name, keys) => {
  it('returns one id per payload, in payload order, as stored', async () => {
    const table = keyedTable(pool, keys, { table: `order_${name}` });
    await table.create();
    const ids = [...(await table.insert(payloads(50, 'a'))), ...(await table.insert(payloads(50, 'b')))];
    const { rows } = await pool.query<{ id: string; payload: string }>(`SELECT id::text, payload FROM order_${name}`);
    const stored = new Map(rows.map((r) => [r.id, r.payload]));
    expect(stored.size).toBe(100);
    expect(ids.map((id) => stored.get(id))).toEqual([...payloads(50, 'a'), ...payloads(50, 'b')]);
  });
});

describe('order of the keys', () => {
  it('sequence values and v7 UUIDs grow with insertion order; v4 UUIDs do not', async () => {
    const made: Record<string, string[]> = {};
    for (const [name, keys] of [
      ['identity', identityKeys],
      ['v4', uuidV4Keys],
      ['v7', uuidV7Keys],
    ] as const) {
      const table = keyedTable(pool, keys, { table: `grow_${name}` });
      await table.create();
      made[name] = [];
      for (let i = 0; i < 20; i++) made[name].push(...(await table.insert(payloads(10))));
    }
    expect(made.identity).toEqual(sorted(made.identity!));
    expect(made.v7).toEqual([...made.v7!].sort());
    expect(made.v4).not.toEqual([...made.v4!].sort());
  });
});

describe('sequence gaps', () => {
  it('a rolled-back insert and a failed insert each consume ids that are never reused', async () => {
    const client = await pool.connect();
    try {
      const table = keyedTable(client, identityKeys, { table: 'gaps' });
      await table.create();
      const [first] = await table.insert(['kept 1']);
      await client.query('BEGIN');
      const rolledBack = await table.insert(['rolled back a', 'rolled back b']);
      await client.query('ROLLBACK');
      // nextval() runs before the NOT NULL check fails: the id is spent.
      await expect(client.query(`INSERT INTO gaps (payload) VALUES (NULL)`)).rejects.toThrow(/null value/);
      const [next] = await table.insert(['kept 2']);
      expect(rolledBack).toEqual([String(Number(first) + 1), String(Number(first) + 2)]);
      expect(Number(next)).toBe(Number(first) + 4); // +1, +2 rolled back, +3 failed
      const { rows } = await client.query<{ id: string }>('SELECT id::text FROM gaps ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual([first, next]);
    } finally {
      client.release();
    }
  });

  it('concurrent transactions, all open at once, never get the same sequence value', async () => {
    const table = keyedTable(pool, identityKeys, { table: 'held' });
    await table.create();
    const WORKERS = 8;
    const ROUNDS = 5;
    const allOpen = barrier(WORKERS);
    const ids: string[] = [];
    for (let round = 0; round < ROUNDS; round++)
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const mine = await keyedTable(client, identityKeys, { table: 'held' }).insert(payloads(3));
            await allOpen(); // every transaction has its ids and none has committed
            await client.query('COMMIT');
            ids.push(...mine);
          } finally {
            client.release();
          }
        }),
      );
    const { rows } = await pool.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM held',
    );
    expect(rows[0]).toEqual({ n: WORKERS * ROUNDS * 3, distinct: WORKERS * ROUNDS * 3 });
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('what the key does to the index (30,000 rows each, batches of 100)', () => {
  it('v4 leaves the primary key index less full and larger than v7; bigint is the smallest', async () => {
    const stats: Record<string, { indexBytes: number; avgLeafDensity: number }> = {};
    for (const [name, keys] of [
      ['identity', identityKeys],
      ['v4', uuidV4Keys],
      ['v7', uuidV7Keys],
    ] as const) {
      const table = keyedTable(pool, keys, { table: `size_${name}` });
      await table.create();
      for (let i = 0; i < 300; i++) await table.insert(payloads(100));
      const s = await table.indexStats();
      expect(s.rows).toBe(30_000);
      stats[name] = s;
    }
    // Right-edge appends split the rightmost leaf and leave full pages behind (fillfactor 90);
    // random inserts split leaves in the middle, each split leaving two half-full pages.
    expect(stats.identity!.avgLeafDensity).toBeGreaterThan(85);
    expect(stats.v7!.avgLeafDensity).toBeGreaterThan(85);
    expect(stats.v4!.avgLeafDensity).toBeLessThan(80);
    expect(stats.v4!.indexBytes).toBeGreaterThan(stats.v7!.indexBytes * 1.15);
    expect(stats.v7!.indexBytes).toBeGreaterThan(stats.identity!.indexBytes); // 16-byte keys vs 8
  });
});
