// Side-by-side comparisons, interleaved: every round runs every variant once, in a rotated order,
// and the ratio is taken within the round. Machine noise that hits one round hits all variants of it.
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { requireArg } from '../errors.ts';
import type { Comparison, Measurement } from './schema.ts';
import { summarize } from './stats.ts';

type Fn = () => unknown;
export type Progress = (line: string) => void;
const defaultProgress: Progress = (line) => process.stderr.write(`  ${line}\n`);

/** Rotation k of the list: round 0 runs A,B,C; round 1 runs B,C,A; ... */
const rotate = <T>(items: readonly T[], k: number): T[] => items.map((_, i) => items[(i + k) % items.length]!);

function checkVariants(
  variants: Record<string, unknown>,
  baseline: string | undefined,
): { names: string[]; base: string } {
  const names = Object.keys(variants);
  requireArg(names.length >= 1, 'variants', 'must name at least one variant');
  const base = baseline ?? names[0]!;
  requireArg(names.includes(base), 'baseline', `must be one of the variants (${names.join(', ')}), got "${base}"`);
  return { names, base };
}

function ratios(perRound: Array<Record<string, number>>, names: string[], base: string): Comparison['ratios'] {
  return names
    .filter((n) => n !== base)
    .map((variant) => {
      const s = summarize(perRound.map((r) => r[variant]! / r[base]!));
      return { variant, baseline: base, median: s.median, min: s.min, max: s.max };
    });
}

export interface ThroughputSpec {
  id: string;
  title: string;
  /** name → one operation. The first is the baseline unless `baseline` says otherwise. */
  variants: Record<string, Fn>;
  baseline?: string;
  /** Rounds (default 5); each runs every variant for `timeMs` after `warmupMs`. */
  rounds?: number;
  timeMs?: number;
  warmupMs?: number;
  /**
   * Minimum timed calls per variant per round (default 10) and warm-up calls (default tinybench's 16).
   * Lower them for operations that take hundreds of ms, or the minimums, not timeMs, set the run time.
   */
  iterations?: number;
  warmupIterations?: number;
  progress?: Progress;
}

/** Sequential throughput of each variant (one operation at a time), measured by tinybench. */
export async function compareThroughput(spec: ThroughputSpec): Promise<Comparison> {
  const { rounds = 5, timeMs = 1_000, warmupMs = 200, progress = defaultProgress } = spec;
  requireArg(Number.isInteger(rounds) && rounds >= 1, 'rounds', `must be an integer >= 1 (got ${rounds})`);
  requireArg(timeMs > 0, 'timeMs', `must be > 0 (got ${timeMs})`);
  const { names, base } = checkVariants(spec.variants, spec.baseline);
  const perRound: Array<Record<string, number>> = [];
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: timeMs,
      warmupTime: warmupMs,
      iterations: spec.iterations ?? 10,
      ...(spec.warmupIterations === undefined ? {} : { warmupIterations: spec.warmupIterations }),
      throws: true,
    });
    for (const name of rotate(names, round)) bench.add(name, spec.variants[name]!);
    await bench.run();
    const opsPerSec: Record<string, number> = {};
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${spec.id}/${task.name}: task ended in state ${r.state}`);
      opsPerSec[task.name] = 1_000 / r.period;
    }
    perRound.push(opsPerSec);
    progress(
      `${spec.id} round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${Math.round(opsPerSec[n]!)} ops/s`).join(', ')}`,
    );
  }
  return {
    id: spec.id,
    title: spec.title,
    kind: 'throughput',
    baseline: base,
    rounds,
    variants: names.map((name) => ({ name, opsPerSec: summarize(perRound.map((r) => r[name]!)), errors: 0 })),
    ratios: ratios(perRound, names, base),
  };
}

export interface LoadSpec {
  id: string;
  title: string;
  /** name → one operation; `worker` is the index of the concurrent loop running it. */
  variants: Record<string, (worker: number) => Promise<unknown>>;
  baseline?: string;
  /** Concurrent loops per variant. */
  concurrency: number;
  /** Per variant per round (default 2 s). */
  durationMs?: number;
  rounds?: number;
  /** Untimed run of each variant before the first round (default 500 ms). */
  warmupMs?: number;
  /** Called before each variant's run in each round, untimed (e.g. reset a key). */
  beforeEach?: (variant: string) => Promise<void> | void;
  progress?: Progress;
}

const newHistogram = (): hdr.Histogram =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

async function runLoad(
  fn: (worker: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  histogram: hdr.Histogram | undefined,
): Promise<{ ops: number; errors: number; seconds: number; firstError?: unknown }> {
  let ops = 0;
  let errors = 0;
  let firstError: unknown;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await fn(worker);
          ops++;
          histogram?.recordValue(Math.max(1, Math.round((performance.now() - s) * 1_000)));
        } catch (e) {
          errors++;
          firstError ??= e;
        }
      }
    }),
  );
  return { ops, errors, seconds: (performance.now() - t0) / 1_000, firstError };
}

/** Throughput and latency percentiles of each variant under `concurrency` concurrent callers. */
export async function compareLoad(spec: LoadSpec): Promise<Comparison> {
  const { durationMs = 2_000, rounds = 3, warmupMs = 500, progress = defaultProgress } = spec;
  requireArg(
    Number.isInteger(spec.concurrency) && spec.concurrency >= 1,
    'concurrency',
    `must be an integer >= 1 (got ${spec.concurrency})`,
  );
  requireArg(Number.isInteger(rounds) && rounds >= 1, 'rounds', `must be an integer >= 1 (got ${rounds})`);
  requireArg(durationMs > 0, 'durationMs', `must be > 0 (got ${durationMs})`);
  const { names, base } = checkVariants(spec.variants, spec.baseline);
  const histograms = new Map(names.map((n) => [n, newHistogram()]));
  const errors = new Map(names.map((n) => [n, 0]));
  if (warmupMs > 0) {
    for (const name of names) {
      await spec.beforeEach?.(name);
      await runLoad(spec.variants[name]!, spec.concurrency, warmupMs, undefined);
    }
  }
  const perRound: Array<Record<string, number>> = [];
  for (let round = 0; round < rounds; round++) {
    const opsPerSec: Record<string, number> = {};
    for (const name of rotate(names, round)) {
      await spec.beforeEach?.(name);
      const r = await runLoad(spec.variants[name]!, spec.concurrency, durationMs, histograms.get(name));
      if (r.ops === 0)
        throw new Error(`${spec.id}/${name}: no operation succeeded; first error: ${String(r.firstError)}`);
      opsPerSec[name] = r.ops / r.seconds;
      errors.set(name, errors.get(name)! + r.errors);
    }
    perRound.push(opsPerSec);
    progress(
      `${spec.id} round ${round + 1}/${rounds} (x${spec.concurrency}): ${names.map((n) => `${n} ${Math.round(opsPerSec[n]!)} ops/s`).join(', ')}`,
    );
  }
  const comparison: Comparison = {
    id: spec.id,
    title: spec.title,
    kind: 'load',
    baseline: base,
    rounds,
    concurrency: spec.concurrency,
    variants: names.map((name) => {
      const h = histograms.get(name)!;
      const ms = (p: number): number => h.getValueAtPercentile(p) / 1_000;
      return {
        name,
        opsPerSec: summarize(perRound.map((r) => r[name]!)),
        latencyMs: { p50: ms(50), p95: ms(95), p99: ms(99), max: h.maxValue / 1_000 },
        errors: errors.get(name)!,
      };
    }),
    ratios: ratios(perRound, names, base),
  };
  for (const h of histograms.values()) h.destroy();
  return comparison;
}

/**
 * p50/p95/p99/max of latencies a bench recorded itself (e.g. publish → receipt, enqueue → processed),
 * through the same HDR histogram as compareLoad. Values in ms; recorded at microsecond resolution.
 */
export function latencySummary(valuesMs: readonly number[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
} {
  requireArg(valuesMs.length > 0, 'valuesMs', 'must hold at least one latency');
  const h = newHistogram();
  for (const v of valuesMs) h.recordValue(Math.max(1, Math.round(v * 1_000)));
  const ms = (p: number): number => h.getValueAtPercentile(p) / 1_000;
  const summary = { p50: ms(50), p95: ms(95), p99: ms(99), max: h.maxValue / 1_000, count: valuesMs.length };
  h.destroy();
  return summary;
}

export interface MeasureSpec {
  id: string;
  title: string;
  /** Timed samples (default 10) after `warmup` untimed ones (default 1). */
  samples?: number;
  warmup?: number;
  /**
   * One sample. Return nothing to have the whole call timed, or a number of ms to report a duration
   * the sample measured itself (when it has untimed setup or teardown around the part that counts).
   */
  run: () => Promise<number | void> | number | void;
  progress?: Progress;
}

/** Repeats a whole operation (start a server, create a database) and summarises its duration in ms. */
export async function measure(spec: MeasureSpec): Promise<Measurement> {
  const { samples = 10, warmup = 1, progress = defaultProgress } = spec;
  requireArg(Number.isInteger(samples) && samples >= 1, 'samples', `must be an integer >= 1 (got ${samples})`);
  for (let i = 0; i < warmup; i++) await spec.run();
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const reported = await spec.run();
    durations.push(typeof reported === 'number' ? reported : performance.now() - t0);
  }
  const summary = summarize(durations);
  progress(`${spec.id}: median ${summary.median.toFixed(1)} ms over ${samples} samples`);
  return { id: spec.id, title: spec.title, unit: 'ms', summary };
}
