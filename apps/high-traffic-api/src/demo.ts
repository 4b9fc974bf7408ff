// pnpm --filter high-traffic-api demo: the whole system (3 instances behind nginx), then a few requests.
import { runMain } from '@poc/kit';
import { serverFor } from '@poc/harness/services';
import { startSystem } from './system.ts';

const say = (line = ''): void => console.log(line);
const LIMIT = 5;

runMain(async () => {
  const [redis, postgres] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
  say(`High-traffic API demo (Redis ${redis.version}, PostgreSQL ${postgres.version}, ${redis.provider})`);
  const t0 = performance.now();
  const system = await startSystem({
    instances: 3,
    rateLimit: LIMIT,
    rateWindowMs: 10_000,
    name: 'demo',
    log: (l) => say(`  ${l}`),
  });
  say(`system up in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${system.url}`);

  async function call(
    path: string,
    client: string,
    init: RequestInit = {},
  ): Promise<{ r: Response; body: Record<string, unknown>; ms: number }> {
    const start = performance.now();
    const r = await fetch(system.url + path, {
      ...init,
      headers: { 'x-client-id': client, 'content-type': 'application/json', ...init.headers },
    });
    const body = (await r.json()) as Record<string, unknown>;
    return { r, body, ms: performance.now() - start };
  }
  const h = (r: Response, name: string): string => r.headers.get(name) ?? '-';
  const line = (label: string, x: { r: Response; ms: number }, extra = ''): void =>
    say(
      `  ${label.padEnd(26)} ${x.r.status}  X-Instance ${h(x.r, 'x-instance')}  X-Cache ${h(x.r, 'x-cache').padEnd(11)} ${x.ms.toFixed(1).padStart(5)} ms${extra}`,
    );

  try {
    say('\n1. Cache-aside: the first read runs the aggregate query, the next ones come from Redis');
    for (let i = 1; i <= 3; i++) {
      const x = await call('/products/42', 'alice');
      line(
        `GET /products/42 #${i}`,
        x,
        i === 1
          ? `  (${(x.body.reviews as { count: number }).count} reviews, avg ${(x.body.reviews as { average: number }).average})`
          : '',
      );
    }
    const page1 = await call('/products?category=books&limit=10', 'alice');
    line('GET /products?category=books', page1);
    const page2 = await call('/products?category=books&limit=10', 'alice');
    line('GET /products?category=books', page2);

    say('\n2. Read-after-write: PUT invalidates, the next read (any instance) is fresh');
    const before = await call('/products/42', 'bob');
    say(`  price before: ${before.body.priceCents} cents (X-Cache ${h(before.r, 'x-cache')})`);
    const put = await call('/products/42', 'bob', { method: 'PUT', body: JSON.stringify({ priceCents: 999 }) });
    line('PUT /products/42 999', put);
    for (let i = 1; i <= 3; i++) {
      const x = await call('/products/42', 'bob');
      line(`GET /products/42`, x, `  price ${x.body.priceCents}`);
    }

    say(`\n3. Rate limit: ${LIMIT} requests per 10 s for client "carol", shared by all instances`);
    for (let i = 1; i <= LIMIT + 2; i++) {
      const x = await call('/products/7', 'carol');
      const rl = `RateLimit-Remaining ${h(x.r, 'ratelimit-remaining')}`;
      say(
        `  #${i} ${x.r.status} via ${h(x.r, 'x-instance')}  ${rl}${x.r.status === 429 ? `  Retry-After ${h(x.r, 'retry-after')} s` : ''}`,
      );
      if (x.r.status === 429 && i === LIMIT + 2) say(`  problem+json: ${JSON.stringify(x.body)}`);
    }

    say('\n4. Bad input gets problem details');
    for (const path of ['/products/abc', '/products/999999', '/products?category=books&limit=500']) {
      const x = await call(path, 'dave');
      say(`  GET ${path} -> ${x.r.status} ${h(x.r, 'content-type')}\n    ${JSON.stringify(x.body)}`);
    }

    say('\n5. Kill api-1 with SIGKILL: nginx routes around it');
    await system.instances[0]!.worker.kill();
    const served = new Map<string, number>();
    let failed = 0;
    for (let i = 0; i < 12; i++) {
      const x = await call(`/products/${100 + i}`, `erin-${i}`); // a client each: the limit of 5 is not what is shown here
      if (x.r.status !== 200) failed++;
      served.set(h(x.r, 'x-instance'), (served.get(h(x.r, 'x-instance')) ?? 0) + 1);
    }
    say(
      `  12 requests after the kill: ${failed} failed; served by ${[...served].map(([k, v]) => `${k} x${v}`).join(', ')}`,
    );
  } finally {
    say('\nstopping ...');
    await system.stop();
    say('stopped');
  }
});
