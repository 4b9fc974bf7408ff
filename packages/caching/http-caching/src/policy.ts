// Cache-Control per route, as data: what a browser (private cache) and a proxy such as nginx (shared
// cache) may store, for how long, and how long a stale copy may still be served while it is refreshed.
import { check } from './errors.ts';

export type CachePolicy =
  /** Nobody stores it (personal or volatile data). */
  | { kind: 'no-store' }
  /** Stored by anyone, but revalidated with the origin before every use (a 304 when unchanged). */
  | { kind: 'revalidate' }
  /** Only the user's own cache stores it (a shared proxy never does), for maxAge seconds. */
  | { kind: 'private'; maxAge: number }
  /**
   * Stored by any cache: maxAge seconds in browsers, sMaxAge (default maxAge) in shared caches, then
   * served stale for staleWhileRevalidate seconds while one request refreshes it in the background,
   * and for staleIfError seconds while the origin fails.
   */
  | { kind: 'public'; maxAge: number; sMaxAge?: number; staleWhileRevalidate?: number; staleIfError?: number };

const KINDS = ['no-store', 'revalidate', 'private', 'public'] as const;

/** Checks a policy (named `argument` in the error) and renders its Cache-Control header value. */
export function cacheControl(policy: CachePolicy, argument = 'policy'): string {
  check.kind(typeof policy === 'object' && policy !== null, argument, 'must be an object', policy);
  check.oneOf(`${argument}.kind`, policy.kind, KINDS);
  switch (policy.kind) {
    case 'no-store':
      return 'no-store';
    case 'revalidate':
      return 'no-cache';
    case 'private':
      check.nonNegativeInt(`${argument}.maxAge`, policy.maxAge);
      return `private, max-age=${policy.maxAge}`;
    case 'public': {
      check.nonNegativeInt(`${argument}.maxAge`, policy.maxAge);
      const parts = ['public', `max-age=${policy.maxAge}`];
      const optional: Array<[keyof typeof policy, string]> = [
        ['sMaxAge', 's-maxage'],
        ['staleWhileRevalidate', 'stale-while-revalidate'],
        ['staleIfError', 'stale-if-error'],
      ];
      for (const [field, directive] of optional) {
        const value = policy[field];
        if (value === undefined) continue;
        check.nonNegativeInt(`${argument}.${field}`, value);
        parts.push(`${directive}=${value}`);
      }
      return parts.join(', ');
    }
  }
}
