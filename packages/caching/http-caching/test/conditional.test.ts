// RFC 9110 conditional GETs as a table (pure: no server). §13.2.2: If-None-Match, when present, decides
// alone with weak comparison; If-Modified-Since only without it, in whole seconds; an invalid date is ignored.
import { describe, expect, it } from 'vitest';
import {
  entityTag,
  evaluatePreconditions,
  httpDate,
  parseEntityTags,
  strongMatch,
  weakMatch,
  type ConditionalHeaders,
  type Precondition,
} from '../src/index.ts';

const current = { etag: '"p1-v2"', lastModified: new Date('2026-12-02T10:00:00.400Z') };
const at = (iso: string): string => httpDate(new Date(iso));

const cases: Array<[string, ConditionalHeaders, Precondition]> = [
  ['no validator', {}, 'none'],
  ['If-None-Match with the current tag', { 'if-none-match': '"p1-v2"' }, 'not-modified'],
  [
    'If-None-Match with the current tag marked weak (weak comparison)',
    { 'if-none-match': 'W/"p1-v2"' },
    'not-modified',
  ],
  ['If-None-Match with an old tag', { 'if-none-match': '"p1-v1"' }, 'modified'],
  ['If-None-Match listing the current tag among others', { 'if-none-match': '"a", "p1-v2" ,W/"b"' }, 'not-modified'],
  ['If-None-Match: * on an existing resource', { 'if-none-match': '*' }, 'not-modified'],
  ['If-None-Match with an unquoted (malformed) tag', { 'if-none-match': 'p1-v2' }, 'modified'],
  [
    'If-Modified-Since equal to Last-Modified (to the second)',
    { 'if-modified-since': at('2026-12-02T10:00:00Z') },
    'not-modified',
  ],
  ['If-Modified-Since after Last-Modified', { 'if-modified-since': at('2026-12-02T11:00:00Z') }, 'not-modified'],
  [
    'If-Modified-Since one second before Last-Modified',
    { 'if-modified-since': at('2026-12-02T09:59:59Z') },
    'modified',
  ],
  ['If-Modified-Since that is not a date (ignored)', { 'if-modified-since': 'yesterday-ish' }, 'none'],
  [
    'an old tag with a current date: If-None-Match wins',
    { 'if-none-match': '"p1-v1"', 'if-modified-since': at('2026-12-02T11:00:00Z') },
    'modified',
  ],
  [
    'the current tag with an old date: If-None-Match wins',
    { 'if-none-match': '"p1-v2"', 'if-modified-since': at('2026-12-01T00:00:00Z') },
    'not-modified',
  ],
];

describe('RFC 9110 conditional GET', () => {
  it.each(cases)('%s', (_what, headers, expected) => {
    expect(evaluatePreconditions(headers, current)).toBe(expected);
  });

  it('cannot see two changes within one second by date: why If-None-Match (a version) wins', () => {
    const sameSecond = { etag: '"p1-v3"', lastModified: new Date('2026-12-02T10:00:00.900Z') };
    const request = { 'if-modified-since': httpDate(current.lastModified) };
    expect(evaluatePreconditions(request, sameSecond)).toBe('not-modified'); // wrong, and HTTP dates cannot do better
    expect(evaluatePreconditions({ ...request, 'if-none-match': current.etag }, sameSecond)).toBe('modified');
  });

  it('has no date to compare without Last-Modified', () => {
    expect(evaluatePreconditions({ 'if-modified-since': at('2026-12-02T11:00:00Z') }, { etag: '"x"' })).toBe('none');
  });

  it('builds tags from versions and compares them weakly or strongly', () => {
    expect(entityTag('p1', 2)).toBe('"p1-v2"');
    expect(entityTag('p1', 2, { weak: true })).toBe('W/"p1-v2"');
    expect(parseEntityTags(' * ')).toBe('*');
    expect(parseEntityTags('W/"a", "b"')).toEqual(['W/"a"', '"b"']);
    expect([weakMatch('W/"a"', '"a"'), strongMatch('W/"a"', '"a"'), strongMatch('"a"', '"a"')]).toEqual([
      true,
      false,
      true,
    ]);
  });
});
