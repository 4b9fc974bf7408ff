// When a dependency fails: the origin stopped, or PostgreSQL killed (a private server per test, registered
// for cleanup before the body). nginx serves the copy it has where the origin's stale-if-error allows it
// (the harness's nginx forces no proxy_cache_use_stale), and fails like an uncached route where it does
// not; the origin reports PostgreSQL's failure as a 503 that no cache stores.
import { privatePostgres, startNginx, type PostgresDatabase } from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { seedProducts } from '../src/origin.ts';
import { get, productsDatabase, startLab, untilNotHit } from './lab.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await productsDatabase('http_caching_faults');
});
afterAll(() => db?.close());

/** Fresh for one second at the proxy, then usable for a minute while the origin fails (stale-if-error). */
const SHORT = { kind: 'public', maxAge: 0, sMaxAge: 1, staleIfError: 60 } as const;
/** The same without stale-if-error: once expired, an origin failure reaches the client. */
const STRICT = { kind: 'public', maxAge: 0, sMaxAge: 1 } as const;

describe('when a dependency fails', () => {
  it('serves the stored copy while the origin is stopped where stale-if-error allows; otherwise 502', async () => {
    const lab = await startLab(
      db.pool(),
      { short: SHORT, strict: STRICT, nostore: { kind: 'no-store' } },
      { nginx: true },
    );
    const first = await get(lab.proxied('short', 7));
    expect((await get(lab.proxied('strict', 7))).status).toBe(200);
    expect((await get(lab.proxied('nostore', 7))).status).toBe(200);
    await lab.origin.close();
    const stale = await untilNotHit(lab.proxied('short', 7));
    expect([stale.status, stale.cache, stale.body]).toEqual([200, 'STALE', first.body]);
    expect((await get(lab.proxied('short', 7))).body).toBe(first.body); // and again, the origin still down
    expect((await untilNotHit(lab.proxied('strict', 7))).status).toBe(502); // expired, and no stale-if-error
    expect((await get(lab.proxied('nostore', 7))).status).toBe(502);
  });

  it('reports a killed PostgreSQL as a 503 marked no-store; nginx serves its copy over it only with use_stale http_503', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected; queries report it
    onTestFinished(() => pool.end());
    await seedProducts(pool, 10);
    // stale-if-error covers connection errors and timeouts in nginx, not a 503 the origin sends: a second
    // nginx with proxy_cache_use_stale http_503 is the one that keeps serving its copy.
    const lab = await startLab(pool, { short: SHORT }, { nginx: true });
    const told = await startNginx({ upstreams: [lab.origin.address], cache: { useStale: ['http_503'] } });
    onTestFinished(() => told.close());
    const viaTold = `${told.url}${new URL(lab.proxied('short', 8)).pathname}`;
    const first = await get(lab.proxied('short', 8));
    expect((await get(viaTold)).body).toBe(first.body);
    await server.kill();
    const direct = await get(lab.direct('short', 8));
    expect([direct.status, direct.cacheControl]).toEqual([503, 'no-store']);
    expect(JSON.parse(direct.body)).toEqual({ error: expect.stringMatching(/^loading product 8 failed: /) });
    const passedOn = await untilNotHit(lab.proxied('short', 8));
    expect([passedOn.status, passedOn.cache]).toEqual([503, 'EXPIRED']);
    const stale = await untilNotHit(viaTold);
    expect([stale.status, stale.cache, stale.body]).toEqual([200, 'STALE', first.body]);
    expect((await get(viaTold)).body).toBe(first.body);
  });
});
