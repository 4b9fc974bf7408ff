// When the server dies: a private server, registered for cleanup before the body, SIGKILLed. explain()
// rejects with its typed service error (no hang), and works again after a restart. Nothing is written
// (every explain is rolled back), so durability is not at stake.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { explainer, isExplainError } from '../src/index.ts';

describe('when PostgreSQL dies (a private server)', () => {
  it('rejects with ExplainServiceError while it is down, and explains again after a restart', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, max: 2, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected; explain reports it
    onTestFinished(() => pool.end());
    const explain = explainer(pool);
    await pool.query('CREATE TABLE t AS SELECT i FROM generate_series(1, 20000) i; ANALYZE t');
    const sql = 'SELECT i FROM t WHERE i = 5';
    expect((await explain.explain(sql)).findings.map((f) => f.kind)).toEqual(['seq-scan']);

    await server.kill();
    const err = await explain.explain(sql).catch((e: unknown) => e);
    expect(isExplainError(err, 'service'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^explaining "SELECT i FROM t WHERE i = 5"(: connecting)? failed: /);

    await server.start();
    expect((await explain.explain(sql)).findings.map((f) => f.kind)).toEqual(['seq-scan']);
  });
});
