// "Did you mean ...?" for `pnpm poc <name>`: edit distance (fastest-levenshtein) plus substring hits.
import { distance } from 'fastest-levenshtein';

/** Up to `limit` candidates closest to `input`, best first; empty when nothing is reasonably close. */
export function closest(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = input.toLowerCase().replace(/^poc-/, '');
  const scored = candidates.map((c) => {
    const hay = c.toLowerCase().replace(/^poc-/, '');
    const d = distance(needle, hay);
    // A substring ("lock" in "redis-lock") counts as close whatever the length difference.
    const score = hay.includes(needle) || needle.includes(hay) ? Math.min(d, 1) : d;
    return { c, score };
  });
  const threshold = Math.max(2, Math.floor(needle.length / 3));
  return scored
    .filter((s) => s.score <= threshold)
    .sort((a, b) => a.score - b.score || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((s) => s.c);
}
