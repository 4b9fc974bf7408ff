// explainAnalyze/savePlans/postgresDurability against the shared PostgreSQL: the plan text is the
// server's, the files replace an older run's, bad names are refused.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainAnalyze, postgresDurability, savePlans } from '../src/bench/index.ts';
import { HarnessArgumentError } from '../src/errors.ts';
import { postgresDatabase, type PostgresDatabase } from '../src/services/index.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase();
  await db.pool().query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g');
});
afterAll(() => db?.close());

describe('query plans beside bench results', () => {
  it('explains with ANALYZE and BUFFERS, then writes one file per plan, removing older ones', async () => {
    const plan = await explainAnalyze(db.pool(), 'SELECT * FROM t WHERE id = $1', [7]);
    expect(plan).toMatch(/^Seq Scan on t/);
    expect(plan).toMatch(/actual time=/);
    expect(plan).toMatch(/Buffers: shared/);

    const dir = mkdtempSync(join(tmpdir(), 'plans-'));
    mkdirSync(join(dir, 'bench', 'plans'), { recursive: true });
    writeFileSync(join(dir, 'bench', 'plans', 'old.txt'), 'from an older run\n');
    const files = savePlans({ 'seq-scan': { sql: 'SELECT *\n  FROM t WHERE id = $1', plan } }, dir);
    expect(files).toEqual([join(dir, 'bench', 'plans', 'seq-scan.txt')]);
    expect(readdirSync(join(dir, 'bench', 'plans'))).toEqual(['seq-scan.txt']);
    expect(readFileSync(files[0]!, 'utf8')).toBe(`-- seq-scan\n-- SELECT * FROM t WHERE id = $1\n\n${plan}\n`);
  });

  it('refuses an empty set, bad names and an empty statement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plans-'));
    expect(() => savePlans({}, dir)).toThrow(HarnessArgumentError);
    expect(() => savePlans({}, dir)).toThrow('plans must hold at least one plan');
    expect(() => savePlans({ 'Seq Scan': { sql: 'x', plan: 'y' } }, dir)).toThrow(
      'plan name "Seq Scan" must be lower-case letters, digits and -',
    );
    expect(existsSync(join(dir, 'bench', 'plans'))).toBe(false);
    await expect(explainAnalyze(db.pool(), '  ')).rejects.toThrow('sql must be a non-empty statement');
  });

  it("states the server's durability settings as they are", async () => {
    const text = await postgresDurability(db.pool());
    const { rows } = await db.pool().query<{ fsync: string }>("SELECT current_setting('fsync') AS fsync");
    expect(text).toMatch(/^fsync=(on|off), synchronous_commit=\w+, full_page_writes=(on|off)$/);
    expect(text.startsWith(`fsync=${rows[0]!.fsync},`)).toBe(true);
  });
});
