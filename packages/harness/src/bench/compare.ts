// Side-by-side comparisons, interleaved: every round runs every variant once, in a rotated order,
// and the ratio is taken within the round. Machine noise that hits one round hits all variants of it.
// Every round's figure is kept (summary.values, ratio.values) and every ratio carries an interval.
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { requireArg } from '../errors.ts';
import { capped } from './profile.ts';
import type { Comparison, Latency, Measurement } from './schema.ts';
import { medianInterval, percentiles, summarize } from './stats.ts';

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

/** One ratio from its per-round values: median, range, the values themselves and a median interval. */
export function ratioFromValues(
  variant: string,
  baseline: string,
  values: readonly number[],
): Comparison['ratios'][number] {
  const s = summarize(values);
  return {
    variant,
    baseline,
    median: s.median,
    min: s.min,
    max: s.max,
    values: s.values,
    interval: medianInterval(values),
  };
}

function ratios(perRound: Array<Record<string, number>>, names: string[], base: string): Comparison['ratios'] {
  return names
    .filter((n) => n !== base)
    .map((variant) =>
      ratioFromValues(
        variant,
        base,
        perRound.map((r) => r[variant]! / r[base]!),
      ),
    );
}

/**
 * Fills in what a comparison built by hand (before compareRounds existed) lacks: when a ratio has no
 * per-round values but its variant's and baseline's ops/s do (summarize() keeps them, in round order),
 * the ratio of each round is derived from them. It is used only if it reproduces the stated median;
 * otherwise the ratio is left as it is, and the catalog reports it as having no raw samples.
 */
export function completeComparison(c: Comparison): Comparison {
  const byName = new Map(c.variants.map((v) => [v.name, v]));
  return {
    ...c,
    ratios: c.ratios.map((r) => {
      if (r.values && r.interval) return r;
      if (r.values) return { ...r, interval: medianInterval(r.values) };
      const a = byName.get(r.variant)?.opsPerSec.values;
      const b = byName.get(r.baseline)?.opsPerSec.values;
      if (!a || !b || a.length !== b.length || a.length === 0) return r;
      const derived = ratioFromValues(
        r.variant,
        r.baseline,
        a.map((x, i) => x / b[i]!),
      );
      const same = Math.abs(derived.median - r.median) <= 1e-9 * Math.max(1, Math.abs(r.median));
      return same ? derived : r;
    }),
  };
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
  const { progress = defaultProgress } = spec;
  const rounds = capped(spec.rounds ?? 5, 3);
  const timeMs = capped(spec.timeMs ?? 1_000, 50);
  const warmupMs = capped(spec.warmupMs ?? 200, 10);
  requireArg(Number.isInteger(rounds) && rounds >= 1, 'rounds', `must be an integer >= 1 (got ${rounds})`);
  requireArg(timeMs > 0, 'timeMs', `must be > 0 (got ${timeMs})`);
  const { names, base } = checkVariants(spec.variants, spec.baseline);
  const perRound: Array<Record<string, number>> = [];
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: timeMs,
      warmupTime: warmupMs,
      iterations: capped(spec.iterations ?? 10, 2),
      ...(spec.warmupIterations === undefined ? {} : { warmupIterations: capped(spec.warmupIterations, 1) }),
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
    variants: names.map((name) => ({
      name,
      opsPerSec: summarize(perRound.map((r) => r[name]!)),
      errors: 0,
      errorsPerRound: perRound.map(() => 0),
    })),
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
  /** Rounds (default 5). */
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

/** Latencies of one kind of outcome (successes or failures) over all rounds: raw µs and an HDR histogram. */
class Recorded {
  private readonly us: number[] = [];
  private readonly histogram = newHistogram();
  record(ms: number): void {
    const us = Math.max(1, Math.round(ms * 1_000));
    this.us.push(us);
    this.histogram.recordValue(us);
  }
  get count(): number {
    return this.us.length;
  }
  /** Exact percentiles of the recorded values (never a bucket's upper bound, never above the max). */
  latency(): Latency | undefined {
    if (this.us.length === 0) return undefined;
    const p = percentiles(this.us, [50, 95, 99, 100]);
    return { p50: p[50] / 1_000, p95: p[95] / 1_000, p99: p[99] / 1_000, max: p[100] / 1_000, count: this.us.length };
  }
  encoded(): string | undefined {
    return this.us.length === 0 ? undefined : hdr.encodeIntoCompressedBase64(this.histogram);
  }
  destroy(): void {
    this.histogram.destroy();
  }
}

async function runLoad(
  fn: (worker: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  record: { ok: Recorded; failed: Recorded } | undefined,
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
          record?.ok.record(performance.now() - s);
        } catch (e) {
          errors++;
          record?.failed.record(performance.now() - s);
          firstError ??= e;
        }
      }
    }),
  );
  return { ops, errors, seconds: (performance.now() - t0) / 1_000, firstError };
}

/**
 * Throughput and latency percentiles of each variant under `concurrency` concurrent callers. Failed
 * operations are counted per round and their latencies recorded apart from the successes'.
 */
export async function compareLoad(spec: LoadSpec): Promise<Comparison> {
  const { progress = defaultProgress } = spec;
  const durationMs = capped(spec.durationMs ?? 2_000, 100);
  const rounds = capped(spec.rounds ?? 5, 3);
  const warmupMs = capped(spec.warmupMs ?? 500, 20);
  requireArg(
    Number.isInteger(spec.concurrency) && spec.concurrency >= 1,
    'concurrency',
    `must be an integer >= 1 (got ${spec.concurrency})`,
  );
  requireArg(Number.isInteger(rounds) && rounds >= 1, 'rounds', `must be an integer >= 1 (got ${rounds})`);
  requireArg(durationMs > 0, 'durationMs', `must be > 0 (got ${durationMs})`);
  const { names, base } = checkVariants(spec.variants, spec.baseline);
  const recorded = new Map(names.map((n) => [n, { ok: new Recorded(), failed: new Recorded() }]));
  const errorsPerRound = new Map<string, number[]>(names.map((n) => [n, []]));
  try {
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
        const r = await runLoad(spec.variants[name]!, spec.concurrency, durationMs, recorded.get(name));
        if (r.ops === 0)
          throw new Error(`${spec.id}/${name}: no operation succeeded; first error: ${String(r.firstError)}`);
        opsPerSec[name] = r.ops / r.seconds;
        errorsPerRound.get(name)![round] = r.errors;
      }
      perRound.push(opsPerSec);
      progress(
        `${spec.id} round ${round + 1}/${rounds} (x${spec.concurrency}): ${names
          .map((n) => {
            const e = errorsPerRound.get(n)![round]!;
            return `${n} ${Math.round(opsPerSec[n]!)} ops/s${e ? ` (${e} failed)` : ''}`;
          })
          .join(', ')}`,
      );
    }
    return {
      id: spec.id,
      title: spec.title,
      kind: 'load',
      baseline: base,
      rounds,
      concurrency: spec.concurrency,
      variants: names.map((name) => {
        const { ok, failed } = recorded.get(name)!;
        const perRoundErrors = errorsPerRound.get(name)!;
        return {
          name,
          opsPerSec: summarize(perRound.map((r) => r[name]!)),
          latencyMs: ok.latency(),
          errors: failed.count,
          errorsPerRound: perRoundErrors,
          histogram: ok.encoded(),
          ...(failed.count > 0
            ? { failed: { count: failed.count, latencyMs: failed.latency(), histogram: failed.encoded() } }
            : {}),
        };
      }),
      ratios: ratios(perRound, names, base),
    };
  } finally {
    for (const { ok, failed } of recorded.values()) {
      ok.destroy();
      failed.destroy();
    }
  }
}

/** One timed sample of a variant in compareRounds: a rate, or what it did and how long it took. */
export type RoundSample = number | { ops: number; seconds: number; errors?: number };

export interface RoundsSpec {
  id: string;
  title: string;
  /**
   * name → one timed sample (e.g. fill a queue untimed, then drain it timed). Return ops/s, or
   * `{ ops, seconds, errors }` and the rate is ops ÷ seconds. The first is the baseline unless `baseline` says otherwise.
   */
  variants: Record<string, () => Promise<RoundSample> | RoundSample>;
  baseline?: string;
  /** Rounds (default 5): each runs every variant once, in a rotated order. */
  rounds?: number;
  /** `throughput` (default) or `load` (then give `concurrency`). */
  kind?: 'throughput' | 'load';
  concurrency?: number;
  /** Unit for the progress lines (default "ops/s"). */
  unit?: string;
  progress?: Progress;
}

/**
 * The harness's interleaved rounds for samples a bench times itself (drain a queue, consume a topic):
 * every round runs every variant once in a rotated order, ratios are taken within the round, and every
 * round's figure and error count is kept. Use it instead of building a Comparison by hand.
 */
export async function compareRounds(spec: RoundsSpec): Promise<Comparison> {
  const { progress = defaultProgress, unit = 'ops/s', kind = 'throughput' } = spec;
  const rounds = capped(spec.rounds ?? 5, 3);
  requireArg(Number.isInteger(rounds) && rounds >= 1, 'rounds', `must be an integer >= 1 (got ${rounds})`);
  requireArg(
    kind === 'throughput' || (Number.isInteger(spec.concurrency) && spec.concurrency! >= 1),
    'concurrency',
    'must be an integer >= 1 for a load comparison',
  );
  const { names, base } = checkVariants(spec.variants, spec.baseline);
  const perRound: Array<Record<string, number>> = [];
  const errorsPerRound = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const rate: Record<string, number> = {};
    for (const name of rotate(names, round)) {
      const sample = await spec.variants[name]!();
      let value: number;
      let errors = 0;
      if (typeof sample === 'number') value = sample;
      else {
        requireArg(sample.seconds > 0, 'seconds', `of ${spec.id}/${name} must be > 0 (got ${sample.seconds})`);
        value = sample.ops / sample.seconds;
        errors = sample.errors ?? 0;
      }
      requireArg(
        Number.isFinite(value) && value > 0,
        'sample',
        `of ${spec.id}/${name} must be a rate > 0 (got ${value})`,
      );
      rate[name] = value;
      errorsPerRound.get(name)![round] = errors;
    }
    perRound.push(rate);
    progress(
      `${spec.id} round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${Math.round(rate[n]!)} ${unit}`).join(', ')}`,
    );
  }
  return {
    id: spec.id,
    title: spec.title,
    kind,
    baseline: base,
    rounds,
    ...(kind === 'load' ? { concurrency: spec.concurrency } : {}),
    variants: names.map((name) => ({
      name,
      opsPerSec: summarize(perRound.map((r) => r[name]!)),
      errors: errorsPerRound.get(name)!.reduce((a, b) => a + b, 0),
      errorsPerRound: errorsPerRound.get(name)!,
    })),
    ratios: ratios(perRound, names, base),
  };
}

/**
 * p50/p95/p99/max of latencies a bench recorded itself (e.g. publish → receipt, enqueue → processed).
 * Values in ms; the percentiles are recorded values (nearest rank), never above the maximum.
 */
export function latencySummary(valuesMs: readonly number[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
} {
  requireArg(valuesMs.length > 0, 'valuesMs', 'must hold at least one latency');
  const p = percentiles(valuesMs, [50, 95, 99, 100]);
  return { p50: p[50], p95: p[95], p99: p[99], max: p[100], count: valuesMs.length };
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
  const { warmup = 1, progress = defaultProgress } = spec;
  const samples = capped(spec.samples ?? 10, 3);
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
