// pnpm --filter poc-postgres-crud bench: the same service over real HTTP on loopback (127.0.0.1, keep-alive
// connections, CONCURRENCY requests in flight), side by side in one process (compareLoad, interleaved rounds):
//  1. GET /items/:id with a pg Pool (pg's default settings: max 10) vs connect-per-request (a new
//     pg.Client per request). The roadmap's claim: ~25x with pooling.
//  2. A page of 20 items sorted by price at increasing depth: offset at 0, DEPTH/10 and DEPTH, vs keyset
//     at DEPTH (the same page). Offset's cost grows with depth; keyset's does not.
// Writes bench/results.json and bench/plans/ (EXPLAIN (ANALYZE, BUFFERS) of every timed statement).
import { Agent, request } from 'node:http';
import { postgresDatabase } from '@poc/harness/services';
import {
  benchProfile,
  benchReport,
  compareLoad,
  explainAnalyze,
  postgresDurability,
  savePlans,
} from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import { ITEM_COLUMNS, encodeCursor, itemsApi, listQuery, seedItems } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 20_000 : 200_000;
const DEPTH = Math.round(ROWS * 0.9);
const PAGE = 20;
const CONCURRENCY = 16;
const DURATION_MS = 2_000;
const ROUNDS = 6;
const POOLED = 'pool (pg defaults, max 10)';
const PER_REQUEST = 'connect-per-request';

/** GET over a keep-alive agent; resolves with the body, rejects on a status other than 200. */
function get(agent: Agent, base: URL, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode} for ${path}: ${body}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

runMain(async () => {
  const db = await postgresDatabase({ name: 'crud_bench' });
  const pool = db.pool(); // pg's defaults (max 10), bar the harness's 5 s connection timeout
  const perRequest = connectPerRequest({ connectionString: db.url });
  const pooledApp = itemsApi(pool);
  const naiveApp = itemsApi(perRequest);
  const agents = [
    new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
  ];
  try {
    const setup = await db.client();
    await seedItems(setup, { count: ROWS, seed: 1 });
    await setup.query('VACUUM ANALYZE items');
    const pooledUrl = new URL(await pooledApp.listen({ host: '127.0.0.1', port: 0 }));
    const naiveUrl = new URL(await naiveApp.listen({ host: '127.0.0.1', port: 0 }));
    const viaPool = (path: string): Promise<string> => get(agents[0]!, pooledUrl, path);
    const viaNaive = (path: string): Promise<string> => get(agents[1]!, naiveUrl, path);

    // The cursor of the row just before DEPTH in price order: keyset's page there is offset's page at DEPTH.
    const before = (
      await setup.query<{ price_cents: number; id: number }>(
        'SELECT price_cents, id FROM items ORDER BY price_cents, id OFFSET $1 LIMIT 1',
        [DEPTH - 1],
      )
    ).rows[0]!;
    const paths = {
      offset0: `/items?sort=price&limit=${PAGE}&offset=0`,
      offsetTenth: `/items?sort=price&limit=${PAGE}&offset=${DEPTH / 10}`,
      offsetDeep: `/items?sort=price&limit=${PAGE}&offset=${DEPTH}`,
      keysetDeep: `/items?sort=price&limit=${PAGE}&after=${encodeCursor('price', [before.price_cents, before.id])}`,
    };

    // Same answers on both sides before anything is timed.
    for (const id of [1, ROWS / 2, ROWS])
      if ((await viaPool(`/items/${id}`)) !== (await viaNaive(`/items/${id}`)))
        throw new Error(`GET /items/${id} differs`);
    const items = (body: string): string => JSON.stringify((JSON.parse(body) as { items: unknown }).items);
    if (items(await viaPool(paths.offsetDeep)) !== items(await viaPool(paths.keysetDeep)))
      throw new Error('the keyset page at DEPTH is not the offset page at DEPTH');

    const setting = async (name: string): Promise<string> =>
      (await setup.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
    const report = benchReport({
      parameters: {
        rows: ROWS,
        tableSize: (await setup.query<{ s: string }>(`SELECT pg_size_pretty(pg_total_relation_size('items')) AS s`))
          .rows[0]!.s,
        sharedBuffers: await setting('shared_buffers'),
        warm: 'VACUUM ANALYZE, then untimed warm-up; the table fits in shared_buffers',
        transport: 'real HTTP/1.1 over loopback (127.0.0.1), keep-alive agent, fastify in the same process',
        concurrency: CONCURRENCY,
        pool: 'pg.Pool with pg defaults (max 10, idleTimeoutMillis 10 s), connectionTimeoutMillis 5 s',
        depth: DEPTH,
        pageSize: PAGE,
        durationMsPerVariant: DURATION_MS,
        rounds: ROUNDS,
        durability: await postgresDurability(setup),
      },
      services: ['postgres'],
    });

    let n = 0;
    const nextId = (): number => 1 + ((n++ * 7919) % ROWS);
    report.add(
      await compareLoad({
        id: 'get-by-id',
        title: `GET /items/:id over HTTP, ${CONCURRENCY} concurrent requests: pooled vs a new connection per request`,
        variants: {
          [PER_REQUEST]: () => viaNaive(`/items/${nextId()}`),
          [POOLED]: () => viaPool(`/items/${nextId()}`),
        },
        baseline: PER_REQUEST,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    report.add({
      id: 'connections',
      title: 'connections opened: connect-per-request vs the pool',
      value: `${perRequest.opened} vs ${pool.totalCount}`,
    });

    report.add(
      await compareLoad({
        id: 'pages',
        title: `A page of ${PAGE} by price over HTTP (pooled), ${CONCURRENCY} concurrent: offset at 0, ${DEPTH / 10} and ${DEPTH} vs keyset at ${DEPTH}`,
        variants: {
          [`offset ${DEPTH}`]: () => viaPool(paths.offsetDeep),
          [`offset ${DEPTH / 10}`]: () => viaPool(paths.offsetTenth),
          'offset 0': () => viaPool(paths.offset0),
          [`keyset at ${DEPTH}`]: () => viaPool(paths.keysetDeep),
        },
        baseline: `offset ${DEPTH}`,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );

    const byId = { sql: `SELECT ${ITEM_COLUMNS} FROM "items" WHERE id = $1`, values: [ROWS / 2] };
    const page = (request: Parameters<typeof listQuery>[1]) => listQuery('items', request);
    const shapes = {
      'get-by-id': byId,
      'offset-0': page({ sort: 'price', limit: PAGE, offset: 0 }),
      'offset-tenth': page({ sort: 'price', limit: PAGE, offset: DEPTH / 10 }),
      'offset-deep': page({ sort: 'price', limit: PAGE, offset: DEPTH }),
      'keyset-deep': page({ sort: 'price', limit: PAGE, after: [before.price_cents, before.id] }),
    };
    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const [name, shape] of Object.entries(shapes)) {
      const sql = 'sql' in shape ? shape.sql : shape.text;
      plans[name] = { sql, plan: await explainAnalyze(setup, sql, shape.values) };
    }
    savePlans(plans);

    await report.finish(
      `GET /items/:id over HTTP on loopback, {param:concurrency} concurrent requests: pooled ÷ connect-per-request = {ratio:get-by-id/${POOLED}} (roadmap: ~25x). ` +
        `A page of {param:pageSize} by price at depth {param:depth}: keyset ÷ offset = {ratio:pages/keyset at ${DEPTH}}; offset at depth 0 {ratio:pages/offset 0}, at ${DEPTH / 10} {ratio:pages/offset ${DEPTH / 10}}.`,
    );
  } finally {
    for (const a of agents) a.destroy();
    await pooledApp.close();
    await naiveApp.close();
    await db.close();
  }
});
