// The rounds the tests, the demo and the bench share: on each key, a user writes a new display name,
// tells the cache, and reads the profile back at once; then another user (another session) reads it.
// A read is stale when its version is older than the write that finished before it began.
import type pg from 'pg';
import { check } from './errors.ts';
import { writeProfile } from './profiles.ts';
import type { ReadYourWritesCache, Source } from './read-your-writes.ts';

export interface RoundsResult {
  rounds: number;
  /** The writer's own read came back older than its write. */
  writerStale: number;
  /** Another session's read, after the write finished, came back older. */
  otherStale: number;
  /** Where the writer's reads were answered from. */
  writerSources: Record<Source, number>;
  /** How long each of the writer's reads took, in ms (for the bench's latency figures). */
  writerReadMs: number[];
}

/** Warms the cache: one read of each key, so the cache holds the current (soon old) values. */
export async function warm(cache: ReadYourWritesCache<string>, keys: readonly string[]): Promise<void> {
  for (const key of keys) await cache.get(key);
}

/**
 * One write-then-read round per key, `concurrency` keys at a time. `label` makes every written value unique.
 * `otherReads` false skips the other session's read (the bench times the writer's path alone).
 */
export async function writeThenRead(
  cache: ReadYourWritesCache<string>,
  db: Pick<pg.Pool, 'query'>,
  keys: readonly string[],
  options: { label: string; concurrency?: number; otherReads?: boolean },
): Promise<RoundsResult> {
  const concurrency = options.concurrency ?? 1;
  check.positiveInt('options.concurrency', concurrency);
  const result: RoundsResult = {
    rounds: keys.length,
    writerStale: 0,
    otherStale: 0,
    writerSources: { cache: 0, database: 0, session: 0 },
    writerReadMs: [],
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next]!;
      const i = next++;
      const writer = cache.session();
      const written = await writeProfile(db, key, `${options.label}-${i}`);
      await writer.wrote(key, written);
      const started = performance.now();
      const own = await writer.read(key);
      result.writerReadMs.push(performance.now() - started);
      result.writerSources[own.source]++;
      if (own.version < written.version) result.writerStale++;
      if (options.otherReads !== false) {
        const other = await cache.session().read(key);
        if (other.version < written.version) result.otherStale++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return result;
}
