// The origin of the lab, shared by the tests, the demo and the bench (a fixture, imported by path): a
// products table in PostgreSQL with a version column, a store that counts the reads it sends to the
// database, and a fastify app serving one route per resource at /<route>/products/:id, counting requests.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { entityTag, type Validators } from './conditional.ts';
import { postgresCall } from './errors.ts';
import { cachedRoute, type CachedResource, type Entity } from './http-caching.ts';

export interface Product {
  id: number;
  name: string;
  priceCents: number;
  description: string;
  version: number;
}

/** Products 1..count, version 1, each with a description of `descriptionBytes` characters. */
export async function seedProducts(pool: pg.Pool, count: number, descriptionBytes = 2_000): Promise<void> {
  await postgresCall('creating the products', async () => {
    await pool.query(`CREATE TABLE products (
      id int PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL, description text NOT NULL,
      version int NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(
      `INSERT INTO products (id, name, price_cents, description)
       SELECT p, 'product ' || p, 100 * p, repeat(chr(97 + p % 26), $2::int) FROM generate_series(1, $1::int) p`,
      [count, descriptionBytes],
    );
    await pool.query('ANALYZE products');
  });
}

export interface ProductStore {
  /** The whole row with its validators (the ETag comes from the version column). */
  load(key: string, signal?: AbortSignal): Promise<Entity<Product> | null>;
  /** The version and updated_at only: answers a conditional request. */
  validators(key: string, signal?: AbortSignal): Promise<Validators | null>;
  /** Changes the price: the version goes up by one in the same statement, so the ETag changes with the row. */
  setPrice(id: number, priceCents: number): Promise<number>;
  /** Reads sent to PostgreSQL since the last reset. */
  readonly reads: { entity: number; validators: number };
  resetCounts(): void;
}

const idOf = (key: string): number => Number(key);

export function productStore(pool: pg.Pool): ProductStore {
  const reads = { entity: 0, validators: 0 };
  const tag = (id: number, version: number): string => entityTag(`p${id}`, version);
  return {
    reads,
    resetCounts: () => Object.assign(reads, { entity: 0, validators: 0 }),
    async load(key) {
      reads.entity++;
      const { rows } = await postgresCall(`loading product ${key}`, () =>
        pool.query<{
          id: number;
          name: string;
          price_cents: number;
          description: string;
          version: number;
          updated_at: Date;
        }>('SELECT id, name, price_cents, description, version, updated_at FROM products WHERE id = $1', [idOf(key)]),
      );
      const r = rows[0];
      if (!r) return null;
      const value = {
        id: r.id,
        name: r.name,
        priceCents: r.price_cents,
        description: r.description,
        version: r.version,
      };
      return { value, etag: tag(r.id, r.version), lastModified: r.updated_at };
    },
    async validators(key) {
      reads.validators++;
      const { rows } = await postgresCall(`reading the version of product ${key}`, () =>
        pool.query<{ version: number; updated_at: Date }>('SELECT version, updated_at FROM products WHERE id = $1', [
          idOf(key),
        ]),
      );
      const r = rows[0];
      return r ? { etag: tag(idOf(key), r.version), lastModified: r.updated_at } : null;
    },
    async setPrice(id, priceCents) {
      const { rows } = await postgresCall(`updating product ${id}`, () =>
        pool.query<{ version: number }>(
          'UPDATE products SET price_cents = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING version',
          [id, priceCents],
        ),
      );
      return rows[0]?.version ?? 0;
    },
  };
}

export interface Origin {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, as nginx's upstream list wants it. */
  readonly address: string;
  /** Requests that reached fastify, by status, since the last reset. */
  readonly requests: { total: number; byStatus: Record<number, number> };
  resetCounts(): void;
  /** Stops listening (the origin goes down); idempotent. */
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1 and serves every resource at /<route>/products/:id. */
export async function startOrigin(resources: Record<string, CachedResource<Product>>): Promise<Origin> {
  const app: FastifyInstance = Fastify({ logger: false });
  const requests = { total: 0, byStatus: {} as Record<number, number> };
  app.addHook('onResponse', async (_request, reply) => {
    requests.total++;
    requests.byStatus[reply.statusCode] = (requests.byStatus[reply.statusCode] ?? 0) + 1;
  });
  for (const [route, resource] of Object.entries(resources))
    app.get(
      `/${route}/products/:id`,
      cachedRoute(resource, (request) => (request.params as { id: string }).id),
    );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    requests,
    resetCounts: () => Object.assign(requests, { total: 0, byStatus: {} }),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
