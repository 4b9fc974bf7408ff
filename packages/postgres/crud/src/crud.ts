// A small REST service for items over a pg Pool: create, read, update, delete, and a list with filters
// and two kinds of pagination (offset, and keyset with an opaque cursor). Input is validated by JSON
// schemas before any SQL runs; values reach PostgreSQL only as bind parameters; every error is an
// RFC 9457 problem (400 with the fields, 404, 409 on a unique violation, 503 when the database fails).
import Fastify, { type FastifyInstance } from 'fastify';
import { UNIQUE_VIOLATION, check, isCrudError } from './errors.ts';
import { SORTS, itemsRepository, type ListRequest, type NewItem, type Sort } from './items.ts';
import { fieldProblems, sendProblem } from './problems.ts';
import { CATEGORIES, checkTable, type Queryable } from './schema.ts';

export interface ItemsApiOptions {
  /** The table (default "items"); lower-case letters, digits and _. Create it with itemsDdl()/seedItems(). */
  table?: string;
  /** Page size when the client gives none (default 20). */
  defaultLimit?: number;
  /** Largest page a client may ask for (default 100). */
  maxLimit?: number;
}

const hasQuery = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && typeof (value as { query?: unknown }).query === 'function';

/** Cursors are opaque to clients: base64url of [sort, ...key]. Anything else is rejected as a bad field. */
export function encodeCursor(sort: Sort, key: number[]): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
}
export function decodeCursor(cursor: string, sort: Sort): number[] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed[0] !== sort) return undefined;
    const key = parsed.slice(1);
    const width = sort === 'id' ? 1 : 2;
    const ok = key.length === width && key.every((k) => Number.isSafeInteger(k) && k >= 0 && k <= 2_147_483_647);
    return ok ? (key as number[]) : undefined;
  } catch {
    return undefined;
  }
}

const ITEM_FIELDS = {
  sku: { type: 'string', pattern: '^[A-Z0-9-]{3,32}$' },
  name: { type: 'string', minLength: 1, maxLength: 200 },
  category: { type: 'string', enum: CATEGORIES },
  priceCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
} as const;
const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
  required: ['id'],
} as const;

/** The service as a fastify instance (not listening): `app.listen({ host: '127.0.0.1', port: 0 })` or `app.inject()`. */
export function itemsApi(db: Queryable, options: ItemsApiOptions = {}): FastifyInstance {
  check.kind(hasQuery(db), 'db', 'must be a pg.Pool (an object with query())', db);
  check.options('options', options);
  const { table = 'items', defaultLimit = 20, maxLimit = 100 } = options;
  checkTable('options.table', table);
  check.intIn('options.maxLimit', maxLimit, 1, 10_000);
  check.intIn('options.defaultLimit', defaultLimit, 1, maxLimit);
  const items = itemsRepository(db, table);

  const app = Fastify({
    logger: false,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' } },
  });

  app.setErrorHandler((error, request, reply) => {
    const e = error as Error & { validation?: never[]; validationContext?: string; statusCode?: number };
    if (e.validation)
      return sendProblem(
        request,
        reply,
        'validation',
        'one or more fields are not valid',
        fieldProblems(e.validation, e.validationContext),
      );
    if (isCrudError(e, 'service') && e.sqlState === UNIQUE_VIOLATION)
      return sendProblem(request, reply, 'conflict', 'an item with this sku already exists', [
        { field: 'sku', in: 'body', message: 'is already taken' },
      ]);
    if (isCrudError(e, 'service'))
      return sendProblem(request, reply, 'unavailable', 'the request could not be completed; try again later');
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
      return sendProblem(request, reply, 'validation', e.message); // malformed JSON, wrong content type ...
    return sendProblem(request, reply, 'internal', 'an unexpected error occurred');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, 'notFound', `no route for ${request.method} ${request.url.split('?')[0]}`),
  );

  const notFound = (id: number): string => `no item with id ${id}`;

  app.post<{ Body: NewItem }>(
    '/items',
    {
      schema: {
        body: {
          type: 'object',
          properties: ITEM_FIELDS,
          required: Object.keys(ITEM_FIELDS),
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const item = await items.create(request.body);
      return reply.code(201).header('location', `/items/${item.id}`).send(item);
    },
  );

  app.get<{ Params: { id: number } }>('/items/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const item = await items.get(request.params.id);
    return item ?? sendProblem(request, reply, 'notFound', notFound(request.params.id));
  });

  app.patch<{ Params: { id: number }; Body: Partial<NewItem> }>(
    '/items/:id',
    {
      schema: {
        params: ID_PARAMS,
        body: { type: 'object', properties: ITEM_FIELDS, minProperties: 1, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const item = await items.update(request.params.id, request.body);
      return item ?? sendProblem(request, reply, 'notFound', notFound(request.params.id));
    },
  );

  app.delete<{ Params: { id: number } }>('/items/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    if (await items.remove(request.params.id)) return reply.code(204).send();
    return sendProblem(request, reply, 'notFound', notFound(request.params.id));
  });

  type ListQuery = Omit<ListRequest, 'after' | 'limit'> & { limit?: number; after?: string };
  app.get<{ Querystring: ListQuery }>(
    '/items',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: maxLimit },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
            after: { type: 'string', minLength: 1, maxLength: 200 },
            sort: { type: 'string', enum: Object.keys(SORTS) },
            category: ITEM_FIELDS.category,
            minPrice: ITEM_FIELDS.priceCents,
            maxPrice: ITEM_FIELDS.priceCents,
            q: { type: 'string', minLength: 1, maxLength: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { after, ...query } = request.query;
      const sort = query.sort ?? 'id';
      const limit = query.limit ?? defaultLimit;
      if (after !== undefined && query.offset !== undefined)
        return sendProblem(request, reply, 'validation', 'one or more fields are not valid', [
          { field: 'after', in: 'query', message: 'cannot be combined with offset' },
        ]);
      const key = after === undefined ? undefined : decodeCursor(after, sort);
      if (after !== undefined && key === undefined)
        return sendProblem(request, reply, 'validation', 'one or more fields are not valid', [
          { field: 'after', in: 'query', message: `must be a cursor this API returned for sort "${sort}"` },
        ]);
      const page = await items.list({ ...query, sort, limit, after: key });
      let next: string | null = null;
      if (page.lastKey) {
        const params = new URLSearchParams(request.url.split('?')[1] ?? '');
        if (after !== undefined || query.offset === undefined) {
          params.delete('offset');
          params.set('after', encodeCursor(sort, page.lastKey));
        } else params.set('offset', String(query.offset + limit));
        next = `/items?${params.toString()}`;
      }
      return { items: page.items, next };
    },
  );

  return app;
}
