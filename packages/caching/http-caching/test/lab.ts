// The lab for the suites: a database of the file's own with products, an origin (fastify) with one
// route per policy, and, when asked, a real nginx proxy_cache in front of it; all closed after the test.
import {
  eventually,
  postgresDatabase,
  startNginx,
  type NginxCacheOptions,
  type NginxServer,
  type PostgresDatabase,
} from '@poc/harness';
import type pg from 'pg';
import { onTestFinished } from 'vitest';
import { cachedResource, type CachePolicy, type CachedResource } from '../src/index.ts';
import { naiveResource } from '../src/naive.ts';
import {
  productStore,
  seedProducts,
  startOrigin,
  type Origin,
  type Product,
  type ProductStore,
} from '../src/origin.ts';

export interface Reply {
  status: number;
  /** X-Cache-Status from nginx (null straight from the origin). */
  cache: string | null;
  etag: string | null;
  lastModified: string | null;
  cacheControl: string | null;
  body: string;
  /** The product's price, when the body is one. */
  price?: number;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(url, { headers });
  const body = await r.text();
  return {
    status: r.status,
    cache: r.headers.get('x-cache-status'),
    etag: r.headers.get('etag'),
    lastModified: r.headers.get('last-modified'),
    cacheControl: r.headers.get('cache-control'),
    body,
    ...(r.status === 200 && body.startsWith('{"id"') ? { price: (JSON.parse(body) as Product).priceCents } : {}),
  };
}

/** Polls until nginx answers something other than HIT (a HIT never reaches the origin), and returns that reply. */
export const untilNotHit = (url: string, headers: Record<string, string> = {}): Promise<Reply> =>
  eventually(
    async () => {
      const r = await get(url, headers);
      return r.cache !== 'HIT' && r;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `nginx no longer answering HIT for ${url}` },
  );

export async function productsDatabase(name: string, products = 50): Promise<PostgresDatabase> {
  const db = await postgresDatabase({ name });
  await seedProducts(db.pool(), products);
  return db;
}

export interface Lab {
  store: ProductStore;
  origin: Origin;
  /** The origin's URL of a route's product. */
  direct(route: string, id: number): string;
  /** nginx's URL of a route's product (only with { nginx: true }). */
  proxied(route: string, id: number): string;
  nginx?: NginxServer;
  /** Zeroes the origin's request counts and the store's read counts. */
  resetCounts(): void;
}

/** One route per policy ('naive' = naiveResource with a day of max-age); closed when the test finishes. */
export async function startLab(
  pool: pg.Pool,
  routes: Record<string, CachePolicy | 'naive'>,
  options: { nginx?: boolean | NginxCacheOptions; validators?: boolean } = {},
): Promise<Lab> {
  const store = productStore(pool);
  const resources: Record<string, CachedResource<Product>> = {};
  for (const [route, policy] of Object.entries(routes))
    resources[route] =
      policy === 'naive'
        ? naiveResource({ load: store.load })
        : cachedResource({
            load: store.load,
            ...(options.validators === false ? {} : { validators: store.validators }),
            policy,
          });
  const origin = await startOrigin(resources);
  onTestFinished(() => origin.close());
  let nginx: NginxServer | undefined;
  if (options.nginx) {
    nginx = await startNginx({ upstreams: [origin.address], cache: options.nginx });
    onTestFinished(() => nginx!.close());
  }
  const resetCounts = (): void => {
    origin.resetCounts();
    store.resetCounts();
  };
  resetCounts(); // nginx's readiness probe reached the origin
  return {
    store,
    origin,
    nginx,
    direct: (route, id) => `${origin.url}/${route}/products/${id}`,
    proxied: (route, id) => `${nginx!.url}/${route}/products/${id}`,
    resetCounts,
  };
}
