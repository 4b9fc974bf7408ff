// When the server dies (POC_STANDARD.md §3): a private server, registered for cleanup before the body,
// killed between two reports. The report fails with a ServiceError naming what it was doing, and after a
// restart it returns the same rows: the data set was committed under the private server's default
// durability (fsync=on, synchronous_commit=on) before the kill.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateData, isWindowFunctionsError, windowReports } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('surfaces a ServiceError while postgres is down, and reports the same rows after a restart', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    await generateData(pool, 'faults', { groups: 3, rowsPerGroup: 50 });
    const reports = windowReports(pool, { schema: 'faults' });
    const before = await reports.top(5);
    expect(before.length).toBeGreaterThanOrEqual(15);

    await server.kill();
    const err = await reports.top(5).catch((e: unknown) => e);
    expect(isWindowFunctionsError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^top 5 per region by rank \(window\)/);

    await server.start();
    expect(await reports.top(5)).toEqual(before);
  });
});
