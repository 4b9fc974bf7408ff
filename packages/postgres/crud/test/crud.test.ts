// The service against the shared PostgreSQL, through fastify.inject: CRUD read back from the server,
// RFC 9457 problems (400 with the field, 404, 409), filters checked against the rows themselves, and
// SQL injection attempts in every text field that reaches a query.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, PROBLEM_CONTENT_TYPE, listQuery, seedItems, type Item, type Problem } from '../src/index.ts';
import { api, call } from './helpers.ts';

const COUNT = 500;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'crud' });
  pool = db.pool({ max: 4 });
  await seedItems(pool, { count: COUNT, seed: 3 });
});
afterAll(() => db?.close());

const rowCount = async (table = 'items'): Promise<number> =>
  (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]!.n;
const widget = { sku: 'WIDGET-1', name: 'blue widget', category: 'toys', priceCents: 1299 };

describe('CRUD', () => {
  it('creates, reads, updates and deletes an item, each step read back from the server', async () => {
    const app = api(pool);
    const created = await call<Item>(app, 'POST', '/items', widget);
    expect(created.status).toBe(201);
    expect(created.location).toBe(`/items/${created.body.id}`);
    expect(created.body.id).toBe(COUNT + 1); // the generator moved the identity past its rows
    const stored = await pool.query('SELECT sku, name, category, price_cents FROM items WHERE id = $1', [
      created.body.id,
    ]);
    expect(stored.rows).toEqual([{ sku: 'WIDGET-1', name: 'blue widget', category: 'toys', price_cents: 1299 }]);

    const read = await call<Item>(app, 'GET', created.location!);
    expect(read.body).toEqual(created.body);

    const patched = await call<Item>(app, 'PATCH', created.location!, { priceCents: 999 });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created.body, priceCents: 999 });
    expect((await pool.query('SELECT price_cents FROM items WHERE id = $1', [created.body.id])).rows).toEqual([
      { price_cents: 999 },
    ]);

    expect((await call(app, 'DELETE', created.location!)).status).toBe(204);
    expect((await pool.query('SELECT 1 FROM items WHERE id = $1', [created.body.id])).rowCount).toBe(0);
    expect(await rowCount()).toBe(COUNT);
  });

  it('reads a generated item exactly as the generator made it', async () => {
    const app = api(pool);
    const { body } = await call<Item>(app, 'GET', '/items/42');
    expect(body).toMatchObject({ id: 42, sku: 'SKU-00000042', priceCents: (42 * 40503 + 3) % 100000 });
    expect(body.category).toBe(CATEGORIES[(42 * 2654435761 + 3) % CATEGORIES.length]);
  });
});

describe('problems (RFC 9457)', () => {
  const bad: Array<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown, Problem['errors']]> = [
    [
      'a missing field',
      'POST',
      '/items',
      { ...widget, sku: undefined },
      [{ field: 'sku', in: 'body', message: 'is required' }],
    ],
    [
      'a negative price',
      'POST',
      '/items',
      { ...widget, priceCents: -1 },
      [{ field: 'priceCents', in: 'body', message: 'must be >= 0' }],
    ],
    [
      'a fractional price',
      'POST',
      '/items',
      { ...widget, priceCents: 1.5 },
      [{ field: 'priceCents', in: 'body', message: 'must be integer' }],
    ],
    [
      'an unknown category',
      'POST',
      '/items',
      { ...widget, category: 'cars' },
      [{ field: 'category', in: 'body', message: `must be one of ${CATEGORIES.map((c) => `"${c}"`).join(', ')}` }],
    ],
    [
      'an unknown field',
      'POST',
      '/items',
      { ...widget, admin: true },
      [{ field: 'admin', in: 'body', message: 'is not a known field' }],
    ],
    [
      'two bad fields at once',
      'POST',
      '/items',
      { ...widget, sku: 'x', name: '' },
      [
        { field: 'sku', in: 'body', message: 'must match pattern "^[A-Z0-9-]{3,32}$"' },
        { field: 'name', in: 'body', message: 'must NOT have fewer than 1 characters' },
      ],
    ],
    [
      'an empty patch',
      'PATCH',
      '/items/1',
      {},
      [{ field: '(body)', in: 'body', message: 'must NOT have fewer than 1 properties' }],
    ],
    [
      'an id that is not a number',
      'GET',
      '/items/abc',
      undefined,
      [{ field: 'id', in: 'path', message: 'must be integer' }],
    ],
    [
      'an id beyond integer',
      'GET',
      '/items/3000000000',
      undefined,
      [{ field: 'id', in: 'path', message: 'must be <= 2147483647' }],
    ],
    [
      'a limit above the maximum',
      'GET',
      '/items?limit=101',
      undefined,
      [{ field: 'limit', in: 'query', message: 'must be <= 100' }],
    ],
    [
      'an unknown query parameter',
      'GET',
      '/items?order=name',
      undefined,
      [{ field: 'order', in: 'query', message: 'is not a known field' }],
    ],
    [
      'offset and after together',
      'GET',
      '/items?offset=20&after=WyJpZCIsMjBd',
      undefined,
      [{ field: 'after', in: 'query', message: 'cannot be combined with offset' }],
    ],
    [
      'a forged cursor',
      'GET',
      '/items?after=bm9wZQ',
      undefined,
      [{ field: 'after', in: 'query', message: 'must be a cursor this API returned for sort "id"' }],
    ],
    [
      'a cursor of another sort',
      'GET',
      '/items?sort=price&after=WyJpZCIsMjBd',
      undefined,
      [{ field: 'after', in: 'query', message: 'must be a cursor this API returned for sort "price"' }],
    ],
  ];

  it.each(bad)('400 for %s, naming the field', async (_what, method, url, payload, errors) => {
    const app = api(pool);
    const res = await call<Problem>(app, method, url, payload);
    expect(res.status).toBe(400);
    expect(res.type).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    expect(res.body).toEqual({
      type: '/problems/validation',
      title: 'The request is not valid',
      status: 400,
      detail: 'one or more fields are not valid',
      instance: url,
      errors,
    });
  });

  it('400 for malformed JSON, as a problem', async () => {
    const app = api(pool);
    const res = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"sku":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/validation', status: 400, instance: '/items' });
  });

  it('404 for a missing item on GET, PATCH and DELETE, and for an unknown route', async () => {
    const app = api(pool);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await call<Problem>(app, method, '/items/999999', method === 'PATCH' ? { name: 'x' } : undefined);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        type: '/problems/not-found',
        title: 'No such resource',
        status: 404,
        detail: 'no item with id 999999',
        instance: '/items/999999',
      });
    }
    expect((await call<Problem>(app, 'GET', '/orders')).body).toMatchObject({
      status: 404,
      detail: 'no route for GET /orders',
    });
  });

  it('409 when a create or an update would duplicate a sku (the unique constraint decides), and nothing changes', async () => {
    const app = api(pool);
    const conflict = {
      type: '/problems/conflict',
      title: 'The request conflicts with existing data',
      status: 409,
      detail: 'an item with this sku already exists',
      errors: [{ field: 'sku', in: 'body', message: 'is already taken' }],
    };
    const dup = await call<Problem>(app, 'POST', '/items', { ...widget, sku: 'SKU-00000007' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ ...conflict, instance: '/items' });
    const rename = await call<Problem>(app, 'PATCH', '/items/8', { sku: 'SKU-00000007' });
    expect(rename.body).toEqual({ ...conflict, instance: '/items/8' });
    expect((await pool.query('SELECT sku FROM items WHERE id = 8')).rows).toEqual([{ sku: 'SKU-00000008' }]);
    expect(await rowCount()).toBe(COUNT);
  });
});

describe('filters', () => {
  it('returns exactly the rows that match, in order, checked against every row of the table', async () => {
    const app = api(pool, { maxLimit: 1_000 });
    const all = (
      await pool.query<{ id: number; name: string; category: string; price_cents: number }>(
        'SELECT id, name, category, price_cents FROM items',
      )
    ).rows;
    // Bounds taken from real rows, so the rows on the boundary show whether it is inclusive.
    const [low, high] = [all.find((r) => r.id === 10)!.price_cents, all.find((r) => r.id === 20)!.price_cents].sort(
      (a, b) => a - b,
    );
    const toys = all.find((r) => r.category === 'toys')!.price_cents;
    const cases: Array<[string, (r: (typeof all)[number]) => boolean]> = [
      ['category=books', (r) => r.category === 'books'],
      [`minPrice=${low}&maxPrice=${high}`, (r) => r.price_cents >= low! && r.price_cents <= high!],
      [`category=toys&minPrice=${toys}`, (r) => r.category === 'toys' && r.price_cents >= toys],
      ['q=BLUE', (r) => r.name.toLowerCase().includes('blue')],
    ];
    for (const [query, match] of cases) {
      const { body } = await call<{ items: Item[]; next: null }>(app, 'GET', `/items?${query}&sort=price&limit=1000`);
      const expected = all
        .filter(match)
        .sort((a, b) => a.price_cents - b.price_cents || a.id - b.id)
        .map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(body.items.map((i) => i.id)).toEqual(expected);
      expect(body.next).toBeNull();
    }
  });
});

describe('SQL injection', () => {
  const attempts = [
    `' OR '1'='1`,
    `x'; DROP TABLE items; --`,
    `%' UNION SELECT 1,2,3,4,5,now() --`,
    `\\'; SELECT pg_sleep(5); --`,
  ];

  it.each(attempts)(
    'a filter value is only ever a bound value: q=%s matches nothing and harms nothing',
    async (attempt) => {
      const app = api(pool);
      const res = await call<{ items: Item[] }>(app, 'GET', `/items?q=${encodeURIComponent(attempt)}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
      expect(await rowCount()).toBe(COUNT);
      // The statement sent is the same text whatever the value: the value travels apart, as $1.
      const query = listQuery('items', { q: attempt, sort: 'id', limit: 20 });
      expect(query.text).toBe(listQuery('items', { q: 'harmless', sort: 'id', limit: 20 }).text);
      expect(query.text).not.toContain(attempt);
    },
  );

  it('a LIKE wildcard in q is matched literally, not as a pattern', async () => {
    const app = api(pool);
    expect((await call<{ items: Item[] }>(app, 'GET', '/items?q=%25')).body.items).toEqual([]);
    expect((await call<{ items: Item[] }>(app, 'GET', '/items?q=_')).body.items).toEqual([]);
  });

  it.each([
    ['sort', `/items?sort=${encodeURIComponent('id; DROP TABLE items')}`],
    ['sort', `/items?sort=${encodeURIComponent('price_cents DESC, (SELECT 1)')}`],
    ['category', `/items?category=${encodeURIComponent(`toys' OR '1'='1`)}`],
    ['limit', `/items?limit=${encodeURIComponent('1; DELETE FROM items')}`],
  ])('an attempt in %s is rejected as a 400 before any SQL runs', async (field, url) => {
    const app = api(pool);
    const res = await call<Problem>(app, 'GET', url);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.field)).toEqual([field]);
    expect(await rowCount()).toBe(COUNT);
  });

  it('an attempt in a created item is stored as text, verbatim', async () => {
    const app = api(pool);
    const name = `Robert'); DROP TABLE items; --`;
    const created = await call<Item>(app, 'POST', '/items', { ...widget, sku: 'BOBBY-1', name });
    expect(created.status).toBe(201);
    expect((await pool.query('SELECT name FROM items WHERE id = $1', [created.body.id])).rows).toEqual([{ name }]);
    await call(app, 'DELETE', `/items/${created.body.id}`);
    expect(await rowCount()).toBe(COUNT);
  });
});
