// How the writer's session gets its own writes back: each strategy is a short record of two decisions,
// taken from what the session remembers of its last write of the key (its Mark). Nothing else differs,
// so the tests and the bench run the same rounds through each.
import { check } from './errors.ts';

/** What a session remembers of its write of a key: the version (the token), the value, when. */
export interface Mark<V = unknown> {
  version: number;
  value?: V;
  at: number;
}

export interface Consistency {
  readonly name: string;
  /** What the write does to the shared cache: 'invalidate' (per the cache's invalidation) or 'set' the new value. */
  readonly onWrite: 'invalidate' | 'set';
  /** Before asking the cache: go to it, or straight to the database. */
  route(mark: Mark | undefined, now: number): 'cache' | 'database';
  /** A cached answer: serve it, serve the session's own written value, or read the database. */
  accept(answer: { version: number }, mark: Mark | undefined): 'use' | 'own' | 'database';
}

const olderThanOwnWrite = (answer: { version: number }, mark: Mark | undefined): boolean =>
  mark !== undefined && answer.version < mark.version;

/** What people write first: any cached answer is served, the writer's own write notwithstanding. */
export const naiveCache = (): Consistency => ({
  name: 'naive cache',
  onWrite: 'invalidate',
  route: () => 'cache',
  accept: () => 'use',
});

/**
 * Write-through for the writer's session: the write sets the new value on the primary (for everyone, once
 * the reader catches up) and the session keeps it; an answer older than it is replaced by the session's own.
 */
export const writeThrough = (): Consistency => ({
  name: 'write-through (session)',
  onWrite: 'set',
  route: () => 'cache',
  accept: (answer, mark) => (olderThanOwnWrite(answer, mark) ? 'own' : 'use'),
});

/** Version tokens: the session carries the version its write returned; an older answer goes to the database. */
export const versionTokens = (): Consistency => ({
  name: 'version tokens',
  onWrite: 'invalidate',
  route: () => 'cache',
  accept: (answer, mark) => (olderThanOwnWrite(answer, mark) ? 'database' : 'use'),
});

/** Short bypass after write: for `windowMs` after its write of a key, the session reads it from the database. */
export function bypassAfterWrite(options: { windowMs: number }): Consistency {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { windowMs } = options;
  check.positiveInt('options.windowMs', windowMs);
  return {
    name: `bypass ${windowMs} ms after write`,
    onWrite: 'invalidate',
    route: (mark, now) => (mark !== undefined && now - mark.at < windowMs ? 'database' : 'cache'),
    accept: () => 'use',
  };
}
