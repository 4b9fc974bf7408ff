// Test cleanup for pools that leaked on purpose: pool.end() waits for every checked-out client, so a
// leaked one would hang it forever. pg's own 'acquire'/'release' events say which clients are out;
// after the test each is released with `true` (destroyed) before the pool ends.
import type pg from 'pg';
import { onTestFinished } from 'vitest';

export function endAfterTest(pool: pg.Pool): void {
  const out = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => out.add(client));
  pool.on('release', (_err, client) => out.delete(client));
  onTestFinished(async () => {
    for (const client of out) client.release(true);
    await pool.end();
  });
}
