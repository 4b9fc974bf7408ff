// Why a result is not a clean figure: what the run summary, the bench's own output and the catalog flag.
import { loadWasHigh, sourceHash } from './provenance.ts';
import type { BenchResult } from './schema.ts';

/** Why a result is not a clean figure: the flags the summary and the catalog show. */
export function resultFlags(r: BenchResult, packageDir: string): string[] {
  const flags: string[] = [];
  if (r.schemaVersion === 1) return ['v1: no raw samples', 'stale: no source hash'];
  const l = r.run.loadAverage;
  if (loadWasHigh(l)) flags.push(`load too high at start (${l.start[0]} on ${l.cores} cores)`);
  if (sourceHash(packageDir) !== r.run.sourceHash) flags.push('stale');
  const errors = r.comparisons.flatMap((c) => c.variants).reduce((n, v) => n + (v.errors ?? 0), 0);
  if (errors > 0) flags.push(`${errors} errors counted`);
  if (r.run.profile === 'short') flags.push('short profile');
  if (!r.run.lock) flags.push('not run under the bench lock');
  else if (!r.run.lock.quiet) flags.push('machine not quiet at start');
  return flags;
}
