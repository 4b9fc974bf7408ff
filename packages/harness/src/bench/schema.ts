// The result file every bench writes (<package>/bench/results.json). The catalog and READMEs read it,
// so it is validated on write and on read. Documented in packages/harness/README.md.
import { z } from 'zod';

export const summarySchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** Interquartile range: a spread that one noisy sample cannot blow up. */
  iqr: z.number(),
  samples: z.number().int().positive(),
});

export const latencySchema = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const variantSchema = z.object({
  name: z.string().min(1),
  /** Operations per second, one sample per round. */
  opsPerSec: summarySchema,
  /** Per-operation latency in ms over all rounds (concurrent workloads). */
  latencyMs: latencySchema.optional(),
  /** Operations that threw. */
  errors: z.number().int().nonnegative().default(0),
});

export const ratioSchema = z.object({
  variant: z.string(),
  baseline: z.string(),
  /** variant ops/s ÷ baseline ops/s, computed within each round, then summarised over rounds. */
  median: z.number(),
  min: z.number(),
  max: z.number(),
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

export const benchResultSchema = z.object({
  schemaVersion: z.literal(1),
  package: z.string().min(1),
  date: z.iso.datetime(),
  command: z.string().min(1),
  machine: z.object({
    cpuModel: z.string(),
    cores: z.number().int().positive(),
    memoryGiB: z.number().positive(),
    os: z.string(),
    node: z.string(),
  }),
  services: z.record(z.string(), z.object({ provider: z.string(), version: z.string() })),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  comparisons: z.array(comparisonSchema),
  measurements: z.array(measurementSchema),
  facts: z.array(factSchema),
  /** One sentence with the headline figure, for the catalog (next to the roadmap's claim). */
  headline: z.string().min(1),
});

export type Summary = z.infer<typeof summarySchema>;
export type Comparison = z.infer<typeof comparisonSchema>;
export type Measurement = z.infer<typeof measurementSchema>;
export type Fact = z.infer<typeof factSchema>;
export type BenchResult = z.infer<typeof benchResultSchema>;
