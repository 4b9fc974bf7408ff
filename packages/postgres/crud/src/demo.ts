// pnpm --filter poc-postgres-crud demo: the service listening on 127.0.0.1 (a random port), called over
// real HTTP, printing what the README's "Expected output" shows.
import { postgresDatabase, serverFor } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import { itemsApi, seedItems } from './index.ts';

const say = (line = ''): void => console.log(line);

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  const app = itemsApi(db.pool(), { defaultLimit: 3 });
  try {
    await seedItems(db.pool({ max: 1 }), { count: 1_000, seed: 1 });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    say(
      `CRUD demo: postgres ${server.version} (${server.provider}), 1,000 generated items, service on 127.0.0.1 (random port)`,
    );
    const show = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(base + path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.text();
      say();
      say(`${method} ${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`);
      say(`  ${res.status} ${res.headers.get('content-type')?.split(';')[0] ?? ''}`);
      if (text) say(`  ${text.replace(/"createdAt":"[^"]+"/g, '"createdAt":"…"')}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const created = await show('POST', '/items', {
      sku: 'WIDGET-1',
      name: 'blue widget',
      category: 'toys',
      priceCents: 1299,
    });
    await show('GET', `/items/${String(created.id)}`);
    await show('PATCH', `/items/${String(created.id)}`, { priceCents: 999 });
    await show('POST', '/items', { sku: 'WIDGET-1', name: 'another', category: 'toys', priceCents: 1 });
    await show('POST', '/items', { sku: 'x', name: 'bad', category: 'cars', priceCents: -5 });
    await show('GET', '/items/4242');
    const page = await show('GET', '/items?category=music&maxPrice=20000&sort=price');
    await show('GET', String(page.next));
    await show('GET', '/items?sort=price&offset=3');
    await show('GET', `/items?sort=${encodeURIComponent('id; DROP TABLE items')}`);
    await show('GET', `/items?q=${encodeURIComponent("' OR '1'='1")}`);
    await show('DELETE', `/items/${String(created.id)}`);
  } finally {
    await app.close();
    await db.close();
  }
});
