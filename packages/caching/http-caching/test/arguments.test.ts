// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { describe, expect, it } from 'vitest';
import {
  HttpCachingArgumentError,
  cacheControl,
  cachedResource,
  cachedRoute,
  entityTag,
  isHttpCachingError,
  type CachePolicy,
} from '../src/index.ts';
import { naiveResource } from '../src/naive.ts';
import { zipfIds } from '../src/workload.ts';

const load = async () => null;
const policy: CachePolicy = { kind: 'public', maxAge: 60 };
const resource = cachedResource({ load, policy });
const withPolicy = (p: unknown) => () => cachedResource({ load, policy: p as CachePolicy });

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => cachedResource(undefined as never), 'options must be an object (got undefined)'],
  [
    'load that is not a function',
    () => cachedResource({ load: 'x' as never, policy }),
    'options.load must be a function (got a string)',
  ],
  [
    'validators that is not a function',
    () => cachedResource({ load, validators: {} as never, policy }),
    'options.validators must be a function (got an object)',
  ],
  ['missing policy', withPolicy(undefined), 'options.policy must be an object (got undefined)'],
  [
    'unknown policy kind',
    withPolicy({ kind: 'forever' }),
    'options.policy.kind must be one of "no-store", "revalidate", "private", "public" (got "forever")',
  ],
  [
    'negative max-age',
    withPolicy({ kind: 'public', maxAge: -1 }),
    'options.policy.maxAge must be a non-negative integer (got -1)',
  ],
  [
    'fractional s-maxage',
    withPolicy({ kind: 'public', maxAge: 0, sMaxAge: 1.5 }),
    'options.policy.sMaxAge must be a non-negative integer (got 1.5)',
  ],
  [
    'stale-while-revalidate as a string',
    withPolicy({ kind: 'public', maxAge: 0, staleWhileRevalidate: '30' }),
    'options.policy.staleWhileRevalidate must be a non-negative integer (got "30")',
  ],
  [
    'private without max-age',
    withPolicy({ kind: 'private' }),
    'options.policy.maxAge must be a non-negative integer (got undefined)',
  ],
  ['policy checked alone', () => cacheControl(null as never), 'policy must be an object (got null)'],
  ['empty key', () => resource.get(''), 'key must be a non-empty string (got "")'],
  [
    'signal that is not an AbortSignal',
    () => resource.get('1', { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'route of something else',
    () => cachedRoute({} as never, () => '1'),
    'resource must be a CachedResource (got an object)',
  ],
  ['route without keyOf', () => cachedRoute(resource, undefined as never), 'keyOf must be a function (got undefined)'],
  [
    'tag with a double quote',
    () => entityTag('p"1', 1),
    'resource must be visible ASCII without a double quote (got "p\\"1")',
  ],
  [
    'negative version',
    () => entityTag('p1', -1),
    'version must be a non-negative integer or visible ASCII without a double quote (got -1)',
  ],
  ['naive without load', () => naiveResource({} as never), 'options.load must be a function (got undefined)'],
  [
    'naive negative max-age',
    () => naiveResource({ load, maxAge: -5 }),
    'options.maxAge must be a non-negative integer (got -5)',
  ],
  [
    'workload with no products',
    () => zipfIds({ products: 0, s: 1, seed: 1 }),
    'options.products must be a positive integer (got 0)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(HttpCachingArgumentError);
    expect(isHttpCachingError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
