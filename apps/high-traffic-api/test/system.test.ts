// End-to-end through a real nginx: three API processes, one shared Redis, one PostgreSQL database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@poc/harness/testing';
import { startSystem, type System } from '../src/system.ts';

const LIMIT = 30;
let system: System;

beforeAll(async () => {
  system = await startSystem({ instances: 3, rateLimit: LIMIT, rateWindowMs: 60_000, products: 600, name: 'hta_e2e' });
}, 90_000);
afterAll(async () => {
  await system?.stop();
}, 30_000);

const get = async (path: string, client: string): Promise<Response> =>
  fetch(system.url + path, { headers: { 'x-client-id': client } });
const json = async (r: Response): Promise<Record<string, unknown>> => (await r.json()) as Record<string, unknown>;

describe('rate limit shared through one Redis', () => {
  it('admits exactly the limit for one client across all instances, and the rest get 429 problem+json with Retry-After', async () => {
    const client = 'rl-across-instances';
    const responses = await Promise.all(Array.from({ length: LIMIT * 2 }, () => get('/products/1', client)));
    const statuses = responses.map((r) => r.status);
    const served = new Set(responses.map((r) => r.headers.get('x-instance')));
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT);
    expect(served.size).toBeGreaterThan(1);
    const denied = responses.find((r) => r.status === 429)!;
    expect(denied.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(denied.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    expect(denied.headers.get('ratelimit-remaining')).toBe('0');
    expect(await json(denied)).toMatchObject({
      type: '/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      instance: '/products/1',
    });
    await Promise.all(responses.filter((r) => !r.bodyUsed).map((r) => r.body?.cancel()));
  });

  it('keeps clients apart: another client id is still admitted', async () => {
    const r = await get('/products/2', 'rl-someone-else');
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
    await r.body?.cancel();
  });
});

describe('cache-aside with invalidation on write', () => {
  it('serves a miss then a hit, and after a PUT every instance returns the new price', async () => {
    const client = 'cache-fresh';
    const first = await get('/products/7', client);
    expect(first.headers.get('x-cache')).toBe('miss');
    const before = await json(first);
    const second = await get('/products/7', client);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await json(second)).toEqual(before);

    const newPrice = (before.priceCents as number) + 1234;
    const put = await fetch(`${system.url}/products/7`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-client-id': client },
      body: JSON.stringify({ priceCents: newPrice, stock: 3 }),
    });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ id: 7, priceCents: newPrice, stock: 3 });

    // Read-after-write: the next reads, whichever instance serves them, see the new row.
    const after = await Promise.all(Array.from({ length: 6 }, () => get('/products/7', client)));
    const instances = new Set(after.map((r) => r.headers.get('x-instance')));
    const bodies = await Promise.all(after.map(json));
    expect(bodies.map((b) => [b.priceCents, b.stock])).toEqual(Array.from({ length: 6 }, () => [newPrice, 3]));
    expect(instances.size).toBeGreaterThan(1);
  });

  it('moves a cached category page to the new price after a PUT', async () => {
    const client = 'cache-list';
    const page = async (): Promise<Response> => get('/products?category=games&limit=5', client);
    await (await page()).body?.cancel();
    const cachedPage = await page();
    expect(cachedPage.headers.get('x-cache')).toBe('hit');
    const top = ((await json(cachedPage)).items as Array<{ id: number; priceCents: number }>)[0]!;
    const put = await fetch(`${system.url}/products/${top.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-client-id': client },
      body: JSON.stringify({ priceCents: top.priceCents + 1 }),
    });
    expect(put.status).toBe(200);
    await put.body?.cancel();
    const fresh = await page();
    expect(fresh.headers.get('x-cache')).toBe('miss');
    expect(((await json(fresh)).items as Array<{ id: number; priceCents: number }>)[0]).toMatchObject({
      id: top.id,
      priceCents: top.priceCents + 1,
    });
  });
});

describe('bad input gets a 4xx problem+json naming the parameter', () => {
  const cases: Array<[string, RequestInit | undefined, number, string, RegExp]> = [
    ['/products/999999', undefined, 404, '/problems/not-found', /no product with id 999999/],
    [
      '/products/abc',
      undefined,
      400,
      '/problems/invalid-parameter',
      /^id must be an integer from 1 to 2147483647 \(got "abc"\)$/,
    ],
    ['/products/0', undefined, 400, '/problems/invalid-parameter', /^id must be an integer/],
    ['/products?limit=5', undefined, 400, '/problems/invalid-parameter', /^category is required/],
    [
      '/products?category=Books',
      undefined,
      400,
      '/problems/invalid-parameter',
      /^category is required: 1-32 lowercase .* \(got "Books"\)$/,
    ],
    [
      '/products?category=books&limit=500',
      undefined,
      400,
      '/problems/invalid-parameter',
      /^limit must be an integer from 1 to 100 \(got "500"\)$/,
    ],
    [
      '/products?category=books&sort=price',
      undefined,
      400,
      '/problems/invalid-parameter',
      /^sort is not a known query parameter/,
    ],
    [
      '/products/5',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"priceCents":-1}' },
      400,
      '/problems/invalid-parameter',
      /^priceCents must be an integer from 0/,
    ],
    [
      '/products/5',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' },
      400,
      '/problems/invalid-parameter',
      /^name is not a field that can be updated/,
    ],
    [
      '/products/5',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' },
      400,
      '/problems/invalid-parameter',
      /^body must set priceCents, stock or both$/,
    ],
    [
      '/products/5',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{oops' },
      400,
      '/problems/bad-request',
      /JSON/,
    ],
    [
      '/products/999999',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"stock":1}' },
      404,
      '/problems/not-found',
      /no product with id 999999/,
    ],
    ['/nowhere', undefined, 404, '/problems/not-found', /^no route for GET \/nowhere$/],
  ];
  it.each(cases)('%s %o -> %i %s', async (path, init, status, type, detail) => {
    const r = await fetch(system.url + path, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), 'x-client-id': 'bad-input' },
    });
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const body = await json(r);
    expect(body).toMatchObject({ type, status, instance: path });
    expect(typeof body.title).toBe('string');
    expect(body.detail).toMatch(detail);
  });
});

describe('an instance killed mid-run', () => {
  it('is routed around: after SIGKILL every request of a burst succeeds and the dead instance never serves', async () => {
    const victim = system.instances[0]!;
    const client = 'failover';
    const burst = async (n: number): Promise<Response[]> => {
      const out: Response[] = [];
      for (let i = 0; i < n; i++) out.push(await get(`/products/${10 + (i % 5)}`, client)); // sequential: spreads over all upstreams
      return out;
    };
    const warm = await burst(6);
    expect(new Set(warm.map((r) => r.headers.get('x-instance')))).toContain(victim.id);
    await Promise.all(warm.map((r) => r.body?.cancel()));

    await victim.worker.kill();
    const after = await burst(20);
    expect(after.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const served = after.map((r) => r.headers.get('x-instance'));
    expect(served).not.toContain(victim.id);
    expect(new Set(served).size).toBe(2);
    // X-Upstream lists every upstream nginx tried, "A, B" after a retry; the last one answered.
    const tried = after.map((r) => r.headers.get('x-upstream')!.split(', '));
    expect(tried.map((addresses) => addresses.at(-1))).not.toContain(victim.address);
    // nginx did try the dead instance (and retried elsewhere), so the line above was really tested.
    expect(tried.some((addresses) => addresses.slice(0, -1).includes(victim.address))).toBe(true);
    await Promise.all(after.map((r) => r.body?.cancel()));
    await eventually(async () => (await get('/health', client)).status === 200, { what: 'health through nginx' });
  });
});
