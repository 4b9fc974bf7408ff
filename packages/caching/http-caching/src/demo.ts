// pnpm --filter poc-caching-http-caching demo: a fastify origin over PostgreSQL behind a real nginx
// proxy_cache; validators, 304s, the stale price a day-long max-age keeps serving, the fix, a Zipfian hit
// ratio at the proxy, and the origin going down. Prints what the README's "Expected output" shows.
import { eventually, postgresDatabase, serverFor, startNginx } from '@poc/harness';
import { runMain } from '@poc/kit';
import { cachedResource } from './index.ts';
import { naiveResource } from './naive.ts';
import { productStore, seedProducts, startOrigin, type Product } from './origin.ts';
import { zipfIds } from './workload.ts';

const say = (line = ''): void => console.log(line);

interface Seen {
  status: number;
  cache: string;
  etag: string;
  price: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Seen> {
  const r = await fetch(url, { headers });
  const body = await r.text();
  return {
    status: r.status,
    cache: r.headers.get('x-cache-status') ?? '-',
    etag: r.headers.get('etag') ?? '(none)',
    price: r.status === 200 ? String((JSON.parse(body) as Product).priceCents) : '(no body)',
  };
}
const line = (s: Seen): string => `${s.status} ${s.cache.padEnd(7)} ETag ${s.etag.padEnd(9)} price ${s.price}`;

runMain(async () => {
  const postgres = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  const pool = db.pool();
  const store = productStore(pool);
  const fresh = { kind: 'public', maxAge: 0, sMaxAge: 1, staleWhileRevalidate: 60 } as const;
  const shared = { kind: 'public', maxAge: 0, sMaxAge: 60 } as const;
  const origin = await startOrigin({
    fresh: cachedResource({ load: store.load, validators: store.validators, policy: fresh }),
    naive: naiveResource({ load: store.load }),
    shared: cachedResource({ load: store.load, validators: store.validators, policy: shared }),
  });
  const nginx = await startNginx({ upstreams: [origin.address], cache: true });
  try {
    await seedProducts(pool, 1_000);
    say(
      `HTTP caching demo: postgres ${postgres.version} (${postgres.provider}), nginx proxy_cache (${nginx.provider})`,
    );
    const via = (route: string, id: number): string => `${nginx.url}/${route}/products/${id}`;
    say(`fresh route: Cache-Control "${cachedResource({ load: store.load, policy: fresh }).cacheControl}" + ETag`);
    say(`naive route: Cache-Control "${naiveResource({ load: store.load }).cacheControl}", no validators`);
    origin.resetCounts();
    store.resetCounts();

    say('\n1. through nginx: the first GET fills the cache, the next ones do not reach the origin');
    const first = await get(via('fresh', 1));
    say(`   GET                      ${line(first)}`);
    say(`   GET                      ${line(await get(via('fresh', 1)))}`);
    say(`   GET If-None-Match        ${line(await get(via('fresh', 1), { 'if-none-match': first.etag }))}`);
    say(`   origin requests ${origin.requests.total}, PostgreSQL reads ${store.reads.entity}`);

    say('\n2. straight to the origin: a current ETag is answered 304 from the version column alone');
    store.resetCounts();
    say(
      `   GET If-None-Match        ${line(await get(`${origin.url}/fresh/products/1`, { 'if-none-match': first.etag }))}`,
    );
    say(`   PostgreSQL reads: ${store.reads.entity} rows, ${store.reads.validators} versions`);

    say('\n3. break it: the price of product 2 changes from 200 to 249');
    await get(via('naive', 2));
    await get(via('fresh', 2));
    await store.setPrice(2, 249);
    say(`   naive GET                ${line(await get(via('naive', 2)))}   <- stale for a day`);
    const stale = await eventually(
      async () => {
        const r = await get(via('fresh', 2));
        return r.cache !== 'HIT' && r;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    say(`   fresh GET (s-maxage out) ${line(stale)}   <- old body once, refreshed behind`);
    const updated = await eventually(async () => {
      const r = await get(via('fresh', 2));
      return r.price === '249' && r;
    });
    say(`   fresh GET                ${line(updated)}`);
    say(`   naive GET                ${line(await get(via('naive', 2)))}   <- still stale`);

    say(
      `\n4. 5,000 Zipfian GETs (s 0.99, 1,000 products) through nginx, "${cachedResource({ load: store.load, policy: shared }).cacheControl}"`,
    );
    origin.resetCounts();
    store.resetCounts();
    const next = zipfIds({ products: 1_000, s: 0.99, seed: 17 });
    const statuses: Record<string, number> = {};
    for (let i = 0; i < 5_000; i++) {
      const s = await get(via('shared', next()));
      statuses[s.cache] = (statuses[s.cache] ?? 0) + 1;
    }
    const hits = statuses.HIT ?? 0;
    say(
      `   X-Cache-Status: ${Object.entries(statuses)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    say(`   hit ratio at the proxy ${((100 * hits) / 5_000).toFixed(1)}%; origin requests ${origin.requests.total}`);

    say('\n5. the origin stops: nginx answers from its copy once the entry has expired');
    await origin.close();
    const down = await eventually(
      async () => {
        const r = await get(via('fresh', 1));
        return r.cache !== 'HIT' && r;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    say(`   GET                      ${line(down)}`);
    say(`   GET of a product nginx never stored: ${(await get(via('fresh', 999))).status}`);
  } finally {
    await nginx.close();
    await origin.close();
    await db.close();
  }
});
