// The SQL behind the API. Every value a client sends travels as a bind parameter ($1, $2 ...); the only
// text spliced into a statement is the table name (checked once, quoted) and ORDER BY / keyset clauses
// picked from the fixed SORTS map by key, so no request can change a statement's shape.
import { postgresCall } from './errors.ts';
import type { Queryable } from './schema.ts';

export interface Item {
  id: number;
  sku: string;
  name: string;
  category: string;
  priceCents: number;
  createdAt: string;
}

export interface NewItem {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
}

/** The sort orders a client may ask for: each a total order (id breaks ties) that an index serves. */
export const SORTS = {
  id: { orderBy: 'id', keyset: (p: string[]) => `id > ${p[0]}`, key: (i: Item) => [i.id] },
  price: {
    orderBy: 'price_cents, id',
    keyset: (p: string[]) => `(price_cents, id) > (${p[0]}, ${p[1]})`,
    key: (i: Item) => [i.priceCents, i.id],
  },
} as const;
export type Sort = keyof typeof SORTS;

export interface ListFilter {
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  /** A substring of the name, matched case-insensitively (LIKE wildcards in it are matched literally). */
  q?: string;
}

export interface ListRequest extends ListFilter {
  sort: Sort;
  limit: number;
  /** Offset pagination: skip this many rows (the server still reads them). */
  offset?: number;
  /** Keyset pagination: the sort key of the last row of the previous page. */
  after?: number[];
}

export interface ListPage {
  items: Item[];
  /** The sort key of the last item when there are more rows, else undefined. */
  lastKey?: number[];
}

/** The select list of every read: columns renamed to the API's field names. */
export const ITEM_COLUMNS = 'id, sku, name, category, price_cents AS "priceCents", created_at AS "createdAt"';
const COLUMNS = ITEM_COLUMNS;

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The statement and its values for one page: pure, so tests can read what would be sent. */
export function listQuery(table: string, request: ListRequest): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (request.category !== undefined) where.push(`category = ${param(request.category)}`);
  if (request.minPrice !== undefined) where.push(`price_cents >= ${param(request.minPrice)}`);
  if (request.maxPrice !== undefined) where.push(`price_cents <= ${param(request.maxPrice)}`);
  if (request.q !== undefined) where.push(`name ILIKE ${param(`%${escapeLike(request.q)}%`)}`);
  const sort = SORTS[request.sort];
  if (request.after !== undefined) where.push(sort.keyset(request.after.map(param)));
  const text =
    `SELECT ${COLUMNS} FROM "${table}"` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${sort.orderBy} LIMIT ${param(request.limit + 1)}` + // one more row says whether a next page exists
    (request.offset !== undefined ? ` OFFSET ${param(request.offset)}` : '');
  return { text, values };
}

const toItem = (row: Record<string, unknown>): Item => ({
  ...(row as unknown as Item),
  createdAt: (row.createdAt as Date).toISOString(),
});

/** Data access for one table; every call goes through postgresCall, so a failure is a CrudServiceError. */
export function itemsRepository(db: Queryable, table: string) {
  return {
    async get(id: number): Promise<Item | undefined> {
      const { rows } = await postgresCall(`reading item ${id}`, () =>
        db.query(`SELECT ${COLUMNS} FROM "${table}" WHERE id = $1`, [id]),
      );
      return rows[0] && toItem(rows[0]);
    },
    async create(item: NewItem): Promise<Item> {
      const { rows } = await postgresCall('creating an item', () =>
        db.query(
          `INSERT INTO "${table}" (sku, name, category, price_cents) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [item.sku, item.name, item.category, item.priceCents],
        ),
      );
      return toItem(rows[0]!);
    },
    /** Only the fields given change (COALESCE keeps the others); undefined when the id does not exist. */
    async update(id: number, patch: Partial<NewItem>): Promise<Item | undefined> {
      const { rows } = await postgresCall(`updating item ${id}`, () =>
        db.query(
          `UPDATE "${table}" SET sku = COALESCE($2, sku), name = COALESCE($3, name),
             category = COALESCE($4, category), price_cents = COALESCE($5, price_cents)
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, patch.sku ?? null, patch.name ?? null, patch.category ?? null, patch.priceCents ?? null],
        ),
      );
      return rows[0] && toItem(rows[0]);
    },
    async remove(id: number): Promise<boolean> {
      const { rowCount } = await postgresCall(`deleting item ${id}`, () =>
        db.query(`DELETE FROM "${table}" WHERE id = $1`, [id]),
      );
      return rowCount === 1;
    },
    async list(request: ListRequest): Promise<ListPage> {
      const { text, values } = listQuery(table, request);
      const { rows } = await postgresCall('listing items', () => db.query(text, values));
      const items = rows.slice(0, request.limit).map(toItem);
      const more = rows.length > request.limit;
      return { items, lastKey: more ? SORTS[request.sort].key(items.at(-1)!) : undefined };
    },
  };
}
export type ItemsRepository = ReturnType<typeof itemsRepository>;
