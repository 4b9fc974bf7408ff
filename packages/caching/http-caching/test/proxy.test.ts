// Behind a real nginx proxy_cache (startNginx({ cache: true })): what it stores and for how long is decided
// by the origin's Cache-Control; expired entries are revalidated with the ETag; stale-while-revalidate
// answers from the old copy while one request refreshes it. Origin requests and PostgreSQL reads counted.
// Expiry is nginx's own clock (whole seconds): the tests poll with eventually(), never sleep.
import type { PostgresDatabase } from '@poc/harness';
import { eventually } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipfIds } from '../src/workload.ts';
import { get, productsDatabase, startLab, untilNotHit } from './lab.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
const PRODUCTS = 50;
beforeAll(async () => {
  db = await productsDatabase('http_caching_proxy', PRODUCTS);
  pool = db.pool();
});
afterAll(() => db?.close());

const SHARED = { kind: 'public', maxAge: 0, sMaxAge: 60 } as const;
/** Fresh for one second at the proxy, then served stale for a minute while it is refreshed. */
const SHORT = { kind: 'public', maxAge: 0, sMaxAge: 1, staleWhileRevalidate: 60 } as const;

describe('behind nginx proxy_cache', () => {
  it('stores a public product once: on a Zipfian run only the first read of each product reaches the origin', async () => {
    const lab = await startLab(pool, { shared: SHARED }, { nginx: true });
    const next = zipfIds({ products: PRODUCTS, s: 1, seed: 7 });
    const ids = Array.from({ length: 400 }, next);
    const statuses: Record<string, number> = {};
    for (const id of ids) {
      const r = await get(lab.proxied('shared', id));
      expect(r.status).toBe(200);
      statuses[r.cache!] = (statuses[r.cache!] ?? 0) + 1;
    }
    const distinct = new Set(ids).size;
    expect(statuses).toEqual({ MISS: distinct, HIT: ids.length - distinct });
    expect(lab.origin.requests.total).toBe(distinct);
    expect(lab.store.reads).toEqual({ entity: distinct, validators: 0 });
  });

  it('answers a matching If-None-Match with a 304 from its stored copy, without asking the origin', async () => {
    const lab = await startLab(pool, { shared: SHARED }, { nginx: true });
    const first = await get(lab.proxied('shared', 1));
    const r = await get(lab.proxied('shared', 1), { 'if-none-match': first.etag! });
    expect([r.status, r.cache, r.body, r.etag]).toEqual([304, 'HIT', '', first.etag]);
    expect(lab.origin.requests.total).toBe(1);
  });

  it('obeys s-maxage at the proxy and max-age only without it: max-age=0, s-maxage=60 is stored, max-age=0 is not', async () => {
    const lab = await startLab(
      pool,
      { shared: SHARED, browser: { kind: 'public', maxAge: 0 }, long: { kind: 'public', maxAge: 60 } },
      { nginx: true },
    );
    const twice = async (route: string): Promise<Array<string | null>> => [
      (await get(lab.proxied(route, 2))).cache,
      (await get(lab.proxied(route, 2))).cache,
    ];
    expect(await twice('shared')).toEqual(['MISS', 'HIT']);
    expect(await twice('browser')).toEqual(['MISS', 'MISS']);
    expect(await twice('long')).toEqual(['MISS', 'HIT']);
    expect(lab.origin.requests.total).toBe(4);
  });

  it('never stores private, no-store or no-cache (revalidate) at the proxy; it even drops the client validator', async () => {
    const lab = await startLab(
      pool,
      { private: { kind: 'private', maxAge: 600 }, nostore: { kind: 'no-store' }, revalidate: { kind: 'revalidate' } },
      { nginx: true },
    );
    for (const route of ['private', 'nostore', 'revalidate']) {
      const first = await get(lab.proxied(route, 3));
      const again = await get(lab.proxied(route, 3), { 'if-none-match': first.etag! });
      expect([first.cache, again.cache, again.status]).toEqual(['MISS', 'MISS', 200]);
    }
    expect(lab.origin.requests.byStatus).toEqual({ 200: 6 });
  });

  it('revalidates an expired entry with its ETag: the origin answers 304 from the version, nginx keeps the body', async () => {
    const lab = await startLab(pool, { short: SHORT }, { nginx: true });
    const first = await get(lab.proxied('short', 4));
    const expired = await untilNotHit(lab.proxied('short', 4));
    expect([expired.cache, expired.body]).toEqual(['STALE', first.body]); // answered at once, refreshed behind
    await eventually(async () => (await get(lab.proxied('short', 4))).cache === 'HIT', { what: 'a fresh HIT' });
    expect(lab.origin.requests.byStatus).toEqual({ 200: 1, 304: 1 });
    expect(lab.store.reads).toEqual({ entity: 1, validators: 1 });
  });

  it('stale-while-revalidate: after an update the old price is served while one request refreshes, then the new one', async () => {
    const lab = await startLab(pool, { short: SHORT }, { nginx: true });
    expect((await get(lab.proxied('short', 5))).price).toBe(500);
    await lab.store.setPrice(5, 555);
    const stale = await untilNotHit(lab.proxied('short', 5));
    expect([stale.cache, stale.price]).toEqual(['STALE', 500]);
    const fresh = await eventually(
      async () => {
        const r = await get(lab.proxied('short', 5));
        return r.price === 555 && r;
      },
      { what: 'the new price at the proxy' },
    );
    expect(fresh.cache).toBe('HIT');
    expect(lab.origin.requests.byStatus).toEqual({ 200: 2 }); // the first fill and the one refresh
  });

  it('break it: a day of max-age keeps serving the old price after an update; a short s-maxage with an ETag does not', async () => {
    const lab = await startLab(pool, { naive: 'naive', short: SHORT }, { nginx: true });
    for (const route of ['naive', 'short']) expect((await get(lab.proxied(route, 6))).price).toBe(600);
    await lab.store.setPrice(6, 666);
    await eventually(async () => (await get(lab.proxied('short', 6))).price === 666, { what: 'the fix' });
    // The fixed route has moved on; the naive one, at the same moment, still answers from its day-long copy.
    const naive = await get(lab.proxied('naive', 6));
    expect([naive.cache, naive.price]).toEqual(['HIT', 600]);
    // And its client cannot ask "has it changed?": no ETag to send.
    expect(naive.etag).toBeNull();
  });
});
