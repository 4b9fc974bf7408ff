// Validators and conditional GETs per RFC 9110 §8.8 and §13: an entity tag from a row version, the
// parsing of If-None-Match, and the evaluation order of §13.2.2 for a GET or HEAD (If-None-Match, when
// present, decides alone; If-Modified-Since is read only without it). Pure functions, no I/O.
import { check } from './errors.ts';

/** What identifies one version of a representation: its entity tag and (optionally) its modification time. */
export interface Validators {
  /** A quoted entity tag, e.g. `"p42-v7"` or `W/"p42-v7"`. */
  etag: string;
  /** Last-Modified; HTTP dates have whole seconds, so two changes in one second share it. */
  lastModified?: Date;
}

/**
 * An entity tag from a row version. Strong by default: the body is a deterministic rendering of the row,
 * so the same version is the same bytes; weak (`W/`) when a layer may re-encode the bytes (compression).
 */
export function entityTag(resource: string, version: number | string, options: { weak?: boolean } = {}): string {
  check.that(
    typeof resource === 'string' && /^[\x21\x23-\x7e]+$/.test(resource),
    'resource',
    'must be visible ASCII without a double quote',
    resource,
  );
  check.that(
    (typeof version === 'number' && Number.isSafeInteger(version) && version >= 0) ||
      (typeof version === 'string' && /^[\x21\x23-\x7e]+$/.test(version)),
    'version',
    'must be a non-negative integer or visible ASCII without a double quote',
    version,
  );
  return `${options.weak ? 'W/' : ''}"${resource}-v${version}"`;
}

/** The opaque part of an entity tag, without `W/` and quotes: what weak comparison compares. */
const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * The entity tags listed in an If-None-Match / If-Match value, or '*'. Malformed members are dropped
 * (a recipient must not treat a broken list as a match).
 */
export function parseEntityTags(header: string): '*' | string[] {
  if (header.trim() === '*') return '*';
  return header.match(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g) ?? [];
}

/** Weak comparison (§8.8.3.2): equal opaque tags, either or both may be weak. */
export const weakMatch = (a: string, b: string): boolean => opaque(a) === opaque(b);

/** Strong comparison: both strong, and equal. */
export const strongMatch = (a: string, b: string): boolean => !a.startsWith('W/') && a === b;

export type Precondition =
  /** No validator in the request (or none that applies): send the full representation. */
  | 'none'
  /** A validator in the request matched the current one: 304 Not Modified, no body. */
  | 'not-modified'
  /** The request's validator is outdated: send the full (new) representation. */
  | 'modified';

export interface ConditionalHeaders {
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
}

/**
 * RFC 9110 §13.2.2 for a safe method (GET/HEAD), steps 3 and 4:
 * - If-None-Match present: weak comparison against the current tag; a match (or `*` on an existing
 *   resource) is "not modified", anything else "modified". If-Modified-Since is then ignored.
 * - otherwise If-Modified-Since, when it is a valid date and the resource has a Last-Modified:
 *   not modified when Last-Modified <= that date (both in whole seconds).
 */
export function evaluatePreconditions(request: ConditionalHeaders, current: Validators): Precondition {
  const inm = request['if-none-match'];
  if (inm !== undefined) {
    const tags = parseEntityTags(inm);
    const matched = tags === '*' || tags.some((t) => weakMatch(t, current.etag));
    return matched ? 'not-modified' : 'modified';
  }
  const ims = request['if-modified-since'];
  if (ims === undefined || !current.lastModified) return 'none';
  const since = Date.parse(ims);
  if (Number.isNaN(since)) return 'none'; // an invalid date is ignored (§13.1.3)
  return wholeSeconds(current.lastModified) <= since ? 'not-modified' : 'modified';
}

/** Milliseconds truncated to the second: what an HTTP date can say. */
const wholeSeconds = (d: Date): number => Math.floor(d.getTime() / 1000) * 1000;

/** The IMF-fixdate form of a date (`Sun, 06 Nov 1994 08:49:37 GMT`). */
export const httpDate = (d: Date): string => d.toUTCString();
