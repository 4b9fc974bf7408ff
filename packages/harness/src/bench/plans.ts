// Query plans beside a PostgreSQL bench's results: the EXPLAIN (ANALYZE, BUFFERS) text of each
// variant, written to bench/plans/<name>.txt so a reader can see why one side is faster, and the
// server's durability settings, which a bench states in its parameters.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireArg } from '../errors.ts';

/** What a `pg` Pool, PoolClient or Client offers; typed here so callers need no cast. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** The folder savePlans() writes; the source hash leaves it out (a bench's output, like results.json). */
export const PLANS_DIR = 'bench/plans';

/**
 * The text of `EXPLAIN (ANALYZE, BUFFERS) <sql>`. ANALYZE runs the statement: wrap a write in a
 * transaction you roll back if it must not take effect.
 */
export async function explainAnalyze(db: PgQueryable, sql: string, values?: unknown[]): Promise<string> {
  requireArg(typeof sql === 'string' && sql.trim().length > 0, 'sql', 'must be a non-empty statement');
  const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values);
  return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
}

/**
 * Replaces <packageDir>/bench/plans with one `<name>.txt` per entry (each: a title line, the SQL, the
 * plan). Call it once per run with every plan, so none is left over from an older run.
 */
export function savePlans(
  plans: Record<string, { sql: string; plan: string }>,
  packageDir: string = process.cwd(),
): string[] {
  const names = Object.keys(plans);
  requireArg(names.length > 0, 'plans', 'must hold at least one plan');
  for (const name of names)
    requireArg(/^[a-z0-9][a-z0-9-]*$/.test(name), `plan name "${name}"`, 'must be lower-case letters, digits and -');
  const dir = join(packageDir, PLANS_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return names.map((name) => {
    const { sql, plan } = plans[name]!;
    const file = join(dir, `${name}.txt`);
    writeFileSync(file, `-- ${name}\n-- ${sql.trim().replace(/\s+/g, ' ')}\n\n${plan.trimEnd()}\n`);
    return file;
  });
}

/** "fsync=off, synchronous_commit=off, full_page_writes=off": the settings that decide what a commit costs. */
export async function postgresDurability(
  db: PgQueryable,
  names: readonly string[] = ['fsync', 'synchronous_commit', 'full_page_writes'],
): Promise<string> {
  const parts: string[] = [];
  for (const name of names) {
    const { rows } = await db.query('SELECT current_setting($1) AS value', [name]);
    parts.push(`${name}=${String(rows[0]?.value)}`);
  }
  return parts.join(', ');
}
