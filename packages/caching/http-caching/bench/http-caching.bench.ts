// pnpm --filter poc-caching-http-caching bench: the same Zipfian product reads (a PostgreSQL row of ~2 kB
// as JSON) four ways, side by side in one process: straight to the fastify origin (no-store); through
// nginx that does not store (no-store: the proxy's own cost); through nginx proxy_cache (public,
// s-maxage=60, stale-while-revalidate); and straight to the origin by a client that keeps its own copies and
// revalidates every time (no-cache + ETag: a 304 read from the version column when unchanged). Every
// timed run of a cached variant starts from a fresh cache (a new nginx, an empty client cache) warmed by the
// same untimed reads. Per timed run: requests reaching fastify and reads reaching PostgreSQL per client
// request, and the hit ratio (X-Cache-Status HIT at the proxy; 304s for the revalidating client).
import {
  benchReport,
  compareLoad,
  postgresDatabase,
  postgresDurability,
  startNginx,
  summarize,
  type NginxServer,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { Agent, request } from 'node:http';
import { cachedResource, type CachePolicy } from '../src/index.ts';
import { productStore, seedProducts, startOrigin, type Origin } from '../src/origin.ts';
import { zipfIds } from '../src/workload.ts';

const PRODUCTS = 5_000;
const DESCRIPTION_BYTES = 2_000;
const ZIPF_S = 0.99;
const SEED = 17;
const CONCURRENCY = 16;
const DURATION_MS = 2_000;
const ROUNDS = 5;
const WARM_READS = 5_000;
const SHARED: CachePolicy = { kind: 'public', maxAge: 0, sMaxAge: 60, staleWhileRevalidate: 30 };

interface Answer {
  status: number;
  cache: string | undefined;
  etag: string | undefined;
}

/** One GET on a keep-alive agent of CONCURRENCY sockets (the same for every variant); the body is read whole. */
function httpGet(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200 && res.statusCode !== 304) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        else
          resolve({
            status: res.statusCode,
            cache: res.headers['x-cache-status'] as string | undefined,
            etag: res.headers.etag,
          });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

type Variant = 'origin' | 'nginx, no store' | 'nginx cache' | 'revalidate (ETag, 304)';

runMain(async () => {
  const db = await postgresDatabase({ name: 'http_caching_bench' });
  let nginx: NginxServer | undefined;
  let passthrough: NginxServer | undefined;
  let origin: Origin | undefined;
  try {
    const pool = db.pool({ max: CONCURRENCY });
    await seedProducts(pool, PRODUCTS, DESCRIPTION_BYTES);
    const store = productStore(pool);
    const resource = (policy: CachePolicy) =>
      cachedResource({ load: store.load, validators: store.validators, policy });
    const o = (origin = await startOrigin({
      nostore: resource({ kind: 'no-store' }),
      shared: resource(SHARED),
      revalidate: resource({ kind: 'revalidate' }),
    }));
    passthrough = await startNginx({ upstreams: [o.address] });
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const nextId = zipfIds({ products: PRODUCTS, s: ZIPF_S, seed: SEED });

    // The revalidating client's own cache: product id → the ETag of the body it holds.
    let clientTags = new Map<number, string>();
    const variants: Record<Variant, () => Promise<Answer>> = {
      origin: () => httpGet(agent, `${o.url}/nostore/products/${nextId()}`),
      'nginx, no store': () => httpGet(agent, `${passthrough!.url}/nostore/products/${nextId()}`),
      'nginx cache': () => httpGet(agent, `${nginx!.url}/shared/products/${nextId()}`),
      'revalidate (ETag, 304)': async () => {
        const id = nextId();
        const tag = clientTags.get(id);
        const a = await httpGet(agent, `${o.url}/revalidate/products/${id}`, tag ? { 'if-none-match': tag } : {});
        if (a.status === 200 && a.etag) clientTags.set(id, a.etag);
        return a;
      },
    };

    // Counts of the run under way, and what each finished run of each variant gave.
    let current: Variant | undefined;
    let counted = { requests: 0, hits: 0 };
    const runs: Record<
      string,
      Array<{ hitRatio: number; originShare: number; pgShare: number; rowShare: number }>
    > = {};
    const closeRun = (): void => {
      if (!current) return;
      const reads = store.reads.entity + store.reads.validators;
      const n = Math.max(1, counted.requests);
      (runs[current] ??= []).push({
        hitRatio: (100 * counted.hits) / n,
        originShare: (100 * o.requests.total) / n,
        pgShare: (100 * reads) / n,
        rowShare: (100 * store.reads.entity) / n,
      });
      current = undefined;
    };
    const timed = (name: Variant) => async () => {
      const a = await variants[name]();
      counted.requests++;
      if (a.cache === 'HIT' || a.status === 304) counted.hits++;
    };
    const warm = async (name: Variant): Promise<void> => {
      let left = WARM_READS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (left-- > 0) await variants[name]();
        }),
      );
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));

    const report = benchReport({
      parameters: {
        products: `${PRODUCTS} rows, a ${DESCRIPTION_BYTES}-character description each; a 200 is ~${DESCRIPTION_BYTES + 100} bytes of JSON`,
        keys: `Zipfian s = ${ZIPF_S} over ${PRODUCTS} ids (id 1 hottest), seed ${SEED}`,
        zipfS: ZIPF_S,
        cachePolicy: `nginx cache: "${resource(SHARED).cacheControl}"; revalidate: "no-cache" + ETag from the version column; others "no-store"`,
        caches: `fresh for every timed run (a new nginx; an empty client cache), then warmed by ${WARM_READS} untimed Zipfian reads`,
        warmReads: WARM_READS,
        nginx:
          'startNginx({ cache: true }): proxy_cache 10m keys zone, max_size 256m, proxy_cache_lock, revalidate, background update; upstream keepalive 32; 1 worker',
        concurrency: CONCURRENCY,
        clientSockets: `${CONCURRENCY} keep-alive sockets (node:http Agent), same for every variant`,
        pgPool: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        postgres: await postgresDurability(pool),
      },
      services: ['postgres'],
    });

    const comparison = await compareLoad({
      id: 'zipf',
      title: `Product GETs on a Zipfian key set, ${CONCURRENCY} concurrent clients`,
      variants: Object.fromEntries((Object.keys(variants) as Variant[]).map((n) => [n, timed(n)])),
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      beforeEach: async (name) => {
        closeRun();
        if (name === 'nginx cache') {
          await nginx?.close();
          nginx = await startNginx({ upstreams: [o.address], cache: true });
        }
        if (name === 'revalidate (ETag, 304)') clientTags = new Map();
        if (name === 'nginx cache' || name === 'revalidate (ETag, 304)') await warm(name);
        counted = { requests: 0, hits: 0 };
        o.resetCounts();
        store.resetCounts();
        current = name as Variant;
      },
    });
    closeRun();
    report.add(comparison);

    const facts: Array<[string, Variant, 'hitRatio' | 'originShare' | 'pgShare' | 'rowShare', string]> = [
      ['hit-ratio-nginx', 'nginx cache', 'hitRatio', 'Hit ratio at the proxy (X-Cache-Status HIT), nginx cache'],
      [
        'origin-load-nginx',
        'nginx cache',
        'originShare',
        'Requests reaching fastify per 100 client requests, nginx cache',
      ],
      ['pg-load-nginx', 'nginx cache', 'pgShare', 'Reads reaching PostgreSQL per 100 client requests, nginx cache'],
      [
        'hit-ratio-revalidate',
        'revalidate (ETag, 304)',
        'hitRatio',
        'Share of 304s (client copy still current), revalidate',
      ],
      [
        'origin-load-revalidate',
        'revalidate (ETag, 304)',
        'originShare',
        'Requests reaching fastify per 100 client requests, revalidate',
      ],
      [
        'rows-revalidate',
        'revalidate (ETag, 304)',
        'rowShare',
        'Rows read from PostgreSQL per 100 client requests (the rest read a version), revalidate',
      ],
      ['pg-load-origin', 'origin', 'pgShare', 'Reads reaching PostgreSQL per 100 client requests, straight to origin'],
    ];
    for (const [id, variant, field, title] of facts) {
      const values = runs[variant]!.slice(-comparison.rounds).map((r) => r[field]); // the first run is the warm-up
      const s = summarize(values);
      report.add({
        id,
        title: `${title} (median of ${values.length} timed runs; range ${s.min.toFixed(1)}–${s.max.toFixed(1)})`,
        value: Math.round(s.median * 10) / 10,
        unit: '%',
      });
    }
    await report.finish(
      "This POC's own claim: on Zipfian product GETs (s {param:zipfS}), nginx proxy_cache ÷ straight to the origin = " +
        '{ratio:zipf/nginx cache} at a proxy hit ratio of {fact:hit-ratio-nginx} ({fact:origin-load-nginx} of requests reach fastify); ' +
        'revalidating every time with the ETag = {ratio:zipf/revalidate (ETag, 304)} at {fact:hit-ratio-revalidate} 304s ' +
        '({fact:rows-revalidate} of requests read a row); ' +
        'nginx that stores nothing = {ratio:zipf/nginx, no store}.',
    );
  } finally {
    await nginx?.close();
    await passthrough?.close();
    await origin?.close();
    await db.close();
  }
});
