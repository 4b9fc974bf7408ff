// The topic exchange's rules, three ways on the same tables: what AMQP 0-9-1 says (the expected column,
// written by hand from the rules), what the real broker does (one queue per binding key, every routing key
// published as mandatory), and what topicMatches() says. Then a differential run on random keys, and the
// naive regex matcher held to the same table.
import { amqpNamespace, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicMatches } from '../src/index.ts';
import { naiveTopicMatches } from '../src/naive.ts';
import { brokerTopicTable, randomKey, seededRandom, type TopicTableResult } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'ex_topic' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

// Binding keys without a catch-all, so some routing keys match none of them (those are returned).
const BINDINGS = [
  'a',
  'a.b',
  '*',
  'a.*',
  '*.b',
  '*.*',
  'a.#',
  '#.b',
  'a.#.b',
  '#.b.#',
  'a.*.b',
  'a.*.#',
  'a..b',
  '',
  'a*',
  'c.#.d.#',
] as const;
type Binding = (typeof BINDINGS)[number];

// [routing key, what it shows, the binding keys that match it by the AMQP rules]
const TABLE: Array<[string, string, Binding[]]> = [
  ['a', 'one word; "#" matches zero words after "a."', ['a', '*', 'a.#']],
  [
    'a.b',
    'two words; every "#" here matches zero words',
    ['a.b', 'a.*', '*.b', '*.*', 'a.#', '#.b', 'a.#.b', '#.b.#', 'a.*.#'],
  ],
  ['a.x.b', '"#" matches one word, "*" exactly one', ['a.#', '#.b', 'a.#.b', '#.b.#', 'a.*.b', 'a.*.#']],
  ['a.x.y.z.b', '"#" matches several words; "*" does not', ['a.#', '#.b', 'a.#.b', '#.b.#', 'a.*.#']],
  ['', 'the empty key is zero words: only the empty binding key', ['']],
  ['a..b', 'an empty middle word: "*" matches it', ['a.#', '#.b', 'a.#.b', '#.b.#', 'a.*.b', 'a.*.#', 'a..b']],
  ['a.', 'an empty last word', ['a.*', '*.*', 'a.#', 'a.*.#']],
  ['.b', 'an empty first word', ['*.b', '*.*', '#.b', '#.b.#']],
  ['b.a', '"#.b.#" with "b" first', ['*.*', '#.b.#']],
  ['a*', '"*" inside a word is a plain character', ['*', 'a*']],
  ['ab', '"a*" does not match "ab"', ['*']],
  ['A', 'words compare case-sensitively', ['*']],
  ['c.d', 'two "#" both matching zero words', ['*.*', 'c.#.d.#']],
  ['c.x.d.y.z', 'two "#" each matching words', ['c.#.d.#']],
  ['x.y.z', 'matches no binding: returned', []],
  ['d.c.a', 'matches no binding: returned', []],
];

// Catch-alls on an exchange of their own (with them, every key matches something).
const CATCH_ALL = ['#', '#.#', '*.#', '#.*'] as const;
const CATCH_ALL_TABLE: Array<[string, string, Array<(typeof CATCH_ALL)[number]>]> = [
  ['', '"#" matches the empty key; "*.#" needs a word', ['#', '#.#']],
  ['a', 'one word', ['#', '#.#', '*.#', '#.*']],
  ['.', 'two empty words', ['#', '#.#', '*.#', '#.*']],
  ['x.y.z', 'three words', ['#', '#.#', '*.#', '#.*']],
];

/** The binding keys `matches` accepts for `routingKey`, in table order. */
const modelRow = (bindings: readonly string[], routingKey: string, matches = topicMatches): string[] =>
  bindings.filter((b) => matches(b, routingKey));

describe('topic exchange: routing keys against binding keys, the broker and topicMatches() on one table', () => {
  let broker: TopicTableResult;
  let catchAll: TopicTableResult;
  beforeAll(async () => {
    broker = await brokerTopicTable(
      ns,
      conn,
      BINDINGS,
      TABLE.map(([key]) => key),
    );
    catchAll = await brokerTopicTable(
      ns,
      conn,
      CATCH_ALL,
      CATCH_ALL_TABLE.map(([key]) => key),
    );
  });

  it.each(TABLE)('routing key %j (%s) reaches the queues bound with %j', (key, _why, expected) => {
    expect(broker.matched.get(key)).toEqual(expected);
    expect(modelRow(BINDINGS, key)).toEqual(expected);
  });

  it.each(CATCH_ALL_TABLE)('catch-all bindings: routing key %j (%s) reaches %j', (key, _why, expected) => {
    expect(catchAll.matched.get(key)).toEqual(expected);
    expect(modelRow(CATCH_ALL, key)).toEqual(expected);
  });

  it('returns exactly the keys that match no binding (published as mandatory)', () => {
    expect(broker.returned).toEqual(TABLE.filter(([, , m]) => m.length === 0).map(([key]) => key));
    expect(catchAll.returned).toEqual([]);
  });
});

describe('topicMatches() against the broker on random keys (differential)', () => {
  it('agrees with the broker on every pair of 40 random binding keys and 120 random routing keys', async () => {
    const random = seededRandom(62);
    const bindings = [
      ...new Set(Array.from({ length: 200 }, () => randomKey(random, ['a', 'b', '', '*', '#'], 4))),
    ].slice(0, 40);
    const keys = [...new Set(Array.from({ length: 400 }, () => randomKey(random, ['a', 'b', '', '*'], 5)))].slice(
      0,
      120,
    );
    expect(bindings).toHaveLength(40);
    expect(keys).toHaveLength(120);

    const broker = await brokerTopicTable(ns, conn, bindings, keys);
    const disagreements = keys.flatMap((key) => {
      const model = modelRow(bindings, key);
      const real = broker.matched.get(key)!;
      return JSON.stringify(model) === JSON.stringify(real) ? [] : [{ key, broker: real, model }];
    });
    expect(disagreements).toEqual([]);
    // The sample is not trivial: keys reach anything from a few queues to many.
    const reached = keys.map((k) => broker.matched.get(k)!.length);
    expect(new Set(reached).size).toBeGreaterThan(5);
    expect(broker.returned).toEqual(keys.filter((k) => modelRow(bindings, k).length === 0));
  });
});

describe('break it: the regex translation ("*" → [^.]+, "#" → .*)', () => {
  it('disagrees with the broker on the rows where words matter; topicMatches() on none', async () => {
    const broker = await brokerTopicTable(
      ns,
      conn,
      BINDINGS,
      TABLE.map(([key]) => key),
    );
    const wrongRows = (matches: typeof topicMatches): string[] =>
      TABLE.filter(
        ([key]) => JSON.stringify(modelRow(BINDINGS, key, matches)) !== JSON.stringify(broker.matched.get(key)),
      ).map(([key]) => key);

    expect(wrongRows(topicMatches)).toEqual([]);
    expect(wrongRows(naiveTopicMatches)).toEqual([
      'a',
      'a.b',
      'a.x.b',
      'a.x.y.z.b',
      'a..b',
      'a.',
      '.b',
      'b.a',
      'ab',
      'c.d',
    ]);
    // The three mistakes behind those rows, one each:
    expect([naiveTopicMatches('a.#', 'a'), topicMatches('a.#', 'a')]).toEqual([false, true]); // "#" as zero words
    expect([naiveTopicMatches('a.*', 'a.'), topicMatches('a.*', 'a.')]).toEqual([false, true]); // "*" on an empty word
    expect([naiveTopicMatches('a*', 'ab'), topicMatches('a*', 'ab')]).toEqual([true, false]); // "*" inside a word
  });
});
