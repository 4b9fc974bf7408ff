// POC_BENCH_PROFILE=short: a smoke run of a bench (every code path, a fraction of the time). The harness
// helpers cap their rounds and durations; the result file says `profile: "short"` and the catalog warns
// that it is not a publishable figure. Constants a bench uses outside the helpers are not shortened.
export type BenchProfile = 'full' | 'short';

export function benchProfile(env: NodeJS.ProcessEnv = process.env): BenchProfile {
  const raw = env.POC_BENCH_PROFILE?.trim().toLowerCase();
  if (!raw || raw === 'full') return 'full';
  if (raw === 'short') return 'short';
  throw new Error(`POC_BENCH_PROFILE="${env.POC_BENCH_PROFILE}" is not a profile: use "full" (default) or "short"`);
}

/** Caps a count or a duration in the short profile; leaves it alone in the full one. */
export const capped = (value: number, shortCap: number): number =>
  benchProfile() === 'short' ? Math.min(value, shortCap) : value;
