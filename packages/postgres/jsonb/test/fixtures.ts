// The queries every suite, the demo and the bench ask, and a JavaScript oracle for each: the rows a
// query must return, computed from the documents in memory, independently of PostgreSQL's operators.
import type { JsonbQuery } from '../src/index.ts';

type Doc = {
  category: string;
  price: number;
  tags: string[];
  attrs: { color: string; size: string };
  discount?: number;
};

export const QUERIES: Array<{ name: string; query: JsonbQuery; oracle: (d: Doc) => boolean }> = [
  {
    name: 'containment @>',
    query: { contains: { category: 'books', attrs: { color: 'red' } } },
    oracle: (d) => d.category === 'books' && d.attrs.color === 'red',
  },
  {
    name: 'jsonpath @? (equalities)',
    query: { path: '$ ? (@.attrs.size == "XS" && @.tags[*] == "vintage")' },
    oracle: (d) => d.attrs.size === 'XS' && d.tags.includes('vintage'),
  },
  { name: 'key existence ?', query: { hasKey: 'discount' }, oracle: (d) => d.discount !== undefined },
  {
    name: 'jsonpath @? (a range)',
    query: { path: '$.price ? (@ < 500)' },
    oracle: (d) => d.price < 500,
  },
];

export type { Doc };
