// Straight to the origin (fastify + real PostgreSQL): validators on every 200, 304 from the version alone
// when the client's copy is current, a new ETag and a 200 after a change; reads counted at the store.
import type { PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, productsDatabase, startLab } from './lab.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await productsDatabase('http_caching');
  pool = db.pool();
});
afterAll(() => db?.close());

const FRESH = { kind: 'public', maxAge: 0, sMaxAge: 60, staleWhileRevalidate: 30 } as const;

describe('conditional GETs at the origin', () => {
  it('sends a strong ETag from the row version, Last-Modified and the route policy on a 200', async () => {
    const lab = await startLab(pool, { fresh: FRESH });
    const r = await get(lab.direct('fresh', 1));
    expect(r.status).toBe(200);
    expect(r.etag).toBe('"p1-v1"');
    expect(new Date(r.lastModified!).getTime()).toBeGreaterThan(0);
    expect(r.cacheControl).toBe('public, max-age=0, s-maxage=60, stale-while-revalidate=30');
    expect(lab.store.reads).toEqual({ entity: 1, validators: 0 });
  });

  it('answers a matching If-None-Match with a 304 read from the version alone: no body, ETag and Cache-Control kept', async () => {
    const lab = await startLab(pool, { fresh: FRESH });
    const first = await get(lab.direct('fresh', 2));
    lab.resetCounts();
    const r = await get(lab.direct('fresh', 2), { 'if-none-match': first.etag! });
    expect([r.status, r.body, r.etag, r.cacheControl]).toEqual([304, '', first.etag, first.cacheControl]);
    expect(lab.store.reads).toEqual({ entity: 0, validators: 1 });
    // Weak comparison: the same tag marked weak (as a gzipping proxy would send it back) matches too.
    expect((await get(lab.direct('fresh', 2), { 'if-none-match': `W/${first.etag!}` })).status).toBe(304);
  });

  it('gives a changed row a new ETag, and a 200 with the new body to the holder of the old one', async () => {
    const lab = await startLab(pool, { fresh: FRESH });
    const before = await get(lab.direct('fresh', 3));
    await lab.store.setPrice(3, 999);
    lab.resetCounts();
    const r = await get(lab.direct('fresh', 3), { 'if-none-match': before.etag! });
    expect([r.status, r.price, r.etag]).toEqual([200, 999, '"p3-v2"']);
    expect(lab.store.reads).toEqual({ entity: 1, validators: 1 });
  });

  it('answers If-Modified-Since from Last-Modified, and lets If-None-Match win when both are sent', async () => {
    const lab = await startLab(pool, { fresh: FRESH });
    const first = await get(lab.direct('fresh', 4));
    expect((await get(lab.direct('fresh', 4), { 'if-modified-since': first.lastModified! })).status).toBe(304);
    const both = { 'if-none-match': '"p4-v0"', 'if-modified-since': first.lastModified! };
    expect((await get(lab.direct('fresh', 4), both)).status).toBe(200); // the date alone would have said 304
  });

  it('without a validators loader, compares against the loaded row: still a 304, but the whole row was read', async () => {
    const lab = await startLab(pool, { fresh: FRESH }, { validators: false });
    const first = await get(lab.direct('fresh', 5));
    lab.resetCounts();
    const r = await get(lab.direct('fresh', 5), { 'if-none-match': first.etag! });
    expect([r.status, r.body]).toEqual([304, '']);
    expect(lab.store.reads).toEqual({ entity: 1, validators: 0 });
  });

  it('answers 404 for a missing product, marked no-store', async () => {
    const lab = await startLab(pool, { fresh: FRESH });
    const r = await get(lab.direct('fresh', 10_000), { 'if-none-match': '"x"' });
    expect([r.status, r.cacheControl]).toEqual([404, 'no-store']);
  });

  it('naive: no validators, so a client cannot revalidate: every request reads and sends the whole row', async () => {
    const lab = await startLab(pool, { naive: 'naive' });
    const first = await get(lab.direct('naive', 6));
    expect([first.etag, first.lastModified, first.cacheControl]).toEqual([null, null, 'public, max-age=86400']);
    const again = await get(lab.direct('naive', 6), { 'if-none-match': '"p6-v1"' });
    expect(again.status).toBe(200);
    expect(lab.store.reads).toEqual({ entity: 2, validators: 0 });
  });
});
