// The result file every bench writes (<package>/bench/results.json). The catalog and READMEs read it,
// so it is validated on write and on read. Documented in packages/harness/README.md.
//
// Version 2 keeps every raw sample, the run's provenance (commit, source hash, load average, the bench
// lock) and an interval for every ratio. Version 1 files (summaries only) still validate, so the
// catalog can show them, flagged as having no raw samples, until their bench is re-run.
import { z } from 'zod';

export const summarySchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** Interquartile range: a spread that one noisy sample cannot blow up. */
  iqr: z.number(),
  samples: z.number().int().positive(),
  /** Every sample, in the order taken (for a comparison: one per round, round 1 first). Version 2. */
  values: z.array(z.number()).min(1).optional(),
});

export const latencySchema = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  /** How many operations the percentiles are of. Version 2. */
  count: z.number().int().nonnegative().optional(),
});

/** A confidence interval for a median (see stats.ts: medianInterval). */
export const intervalSchema = z.object({
  low: z.number(),
  high: z.number(),
  /** The probability that the interval covers the true median: 0.95, or less with few samples. */
  confidence: z.number().min(0).max(1),
  method: z.string().min(1),
});

export const variantSchema = z.object({
  name: z.string().min(1),
  /** Operations per second, one sample per round. */
  opsPerSec: summarySchema,
  /** Per-operation latency in ms over all rounds of the operations that succeeded (concurrent workloads). */
  latencyMs: latencySchema.optional(),
  /** Operations that threw. */
  errors: z.number().int().nonnegative().default(0),
  /** Version 2, load tests: the successful operations' latencies (µs), an HdrHistogram in compressed base64. */
  histogram: z.string().optional(),
  /** Version 2: operations that threw in each round. */
  errorsPerRound: z.array(z.number().int().nonnegative()).optional(),
  /** Version 2, load tests: how long the failed operations took before they threw. */
  failed: z
    .object({
      count: z.number().int().nonnegative(),
      latencyMs: latencySchema.optional(),
      histogram: z.string().optional(),
    })
    .optional(),
});

export const ratioSchema = z.object({
  variant: z.string(),
  baseline: z.string(),
  /** variant ops/s ÷ baseline ops/s, computed within each round, then summarised over rounds. */
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** Version 2: the ratio of each round, round 1 first. */
  values: z.array(z.number()).min(1).optional(),
  /** Version 2: a confidence interval for the median ratio. */
  interval: intervalSchema.optional(),
});

export const comparisonSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  kind: z.enum(['throughput', 'load']),
  baseline: z.string(),
  rounds: z.number().int().positive(),
  concurrency: z.number().int().positive().optional(),
  variants: z.array(variantSchema).min(1),
  ratios: z.array(ratioSchema),
});

export const measurementSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  unit: z.string().min(1),
  summary: summarySchema,
});

/** A figure that is a count or a fact rather than a speed: lost updates, error %, bytes. */
export const factSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  value: z.union([z.number(), z.string()]),
  unit: z.string().optional(),
});

const machineSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int().positive(),
  memoryGiB: z.number().positive(),
  os: z.string(),
  node: z.string(),
});

const common = {
  package: z.string().min(1),
  date: z.iso.datetime(),
  command: z.string().min(1),
  machine: machineSchema,
  services: z.record(z.string(), z.object({ provider: z.string(), version: z.string() })),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  comparisons: z.array(comparisonSchema),
  measurements: z.array(measurementSchema),
  facts: z.array(factSchema),
  /** One sentence with the headline figure, for the catalog (next to the roadmap's claim). */
  headline: z.string().min(1),
};

export const benchResultV1Schema = z.object({ schemaVersion: z.literal(1), ...common });

const loadTriple = z.tuple([z.number(), z.number(), z.number()]);

/** How, where and from what a version 2 result was measured. */
export const runSchema = z.object({
  /** `full`, or `short` (POC_BENCH_PROFILE=short: a smoke run, not a publishable figure). */
  profile: z.enum(['full', 'short']),
  /** When measuring began (the bench lock was taken and the machine was quiet) and ended. */
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  loadAverage: z.object({
    /** os.loadavg() (1, 5, 15 minutes) when measuring began and when the result was written. */
    start: loadTriple,
    end: loadTriple,
    cores: z.number().int().positive(),
    /** As written: the 1-minute load average at start exceeded the core count (results before 2026-12-02 also
     * counted the end). Readers judge with loadWasHigh(), from `start`. */
    tooHigh: z.boolean(),
  }),
  git: z.object({
    /** `git rev-parse HEAD`, or null outside a git checkout. */
    commit: z.string().nullable(),
    /** Whether the package's src/ or bench/ (bench/results.json aside) differed from that commit. */
    dirty: z.boolean().nullable(),
  }),
  /** sha256 over the package's src/ and bench/ files (bench/results.json excluded): see provenance.ts. */
  sourceHash: z.string().min(1),
  /** The repository's bench lock: null when the bench ran without it (not through a package's bench script). */
  lock: z
    .object({
      /** When the lock was taken: the bench's setup (servers, connections) and measuring follow. */
      acquiredAt: z.iso.datetime(),
      /** Time spent queued behind other benches. */
      waitedMs: z.number().nonnegative(),
      /** Time spent waiting for the machine to be quiet after taking the lock. */
      settleMs: z.number().nonnegative(),
      /** Whether it was quiet (see README) when measuring began, or the wait gave up. */
      quiet: z.boolean(),
    })
    .nullable(),
  /** The `turbo run bench` this bench was part of: its id, this bench's position and the number planned. */
  session: z
    .object({ id: z.string(), index: z.number().int().positive(), of: z.number().int().positive().nullable() })
    .nullable(),
  /** Where each declared service came from: the session's shared server, the run's (POC_*_URL) or the bench's own. */
  servers: z.record(z.string(), z.enum(['session', 'run', 'own'])),
});

export const headlineRatioSchema = z.object({ comparison: z.string(), variant: z.string() });

export const benchResultV2Schema = z.object({
  schemaVersion: z.literal(2),
  ...common,
  run: runSchema,
  /** typed: a string written in the bench; template: resolved from the stored values; function: of the result. */
  headlineSource: z.enum(['typed', 'template', 'function']),
  /** The template the headline was resolved from (headlineSource = template). */
  headlineTemplate: z.string().optional(),
  /** The ratio the run summary shows for this POC: the template's first {ratio:...}, or the first ratio. */
  headlineRatio: headlineRatioSchema.optional(),
});

export const benchResultSchema = z.discriminatedUnion('schemaVersion', [benchResultV1Schema, benchResultV2Schema]);

/** The schema version benchReport writes. */
export const SCHEMA_VERSION = 2;

export type Summary = z.infer<typeof summarySchema>;
export type Interval = z.infer<typeof intervalSchema>;
export type Latency = z.infer<typeof latencySchema>;
export type Comparison = z.infer<typeof comparisonSchema>;
export type Ratio = z.infer<typeof ratioSchema>;
export type Measurement = z.infer<typeof measurementSchema>;
export type Fact = z.infer<typeof factSchema>;
export type RunInfo = z.infer<typeof runSchema>;
export type BenchResultV1 = z.infer<typeof benchResultV1Schema>;
export type BenchResultV2 = z.infer<typeof benchResultV2Schema>;
export type BenchResult = z.infer<typeof benchResultSchema>;
