import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  benchReport,
  benchResultSchema,
  compareLoad,
  compareThroughput,
  latencySummary,
  measure,
  readResult,
  renderMarkdown,
  summarize,
} from '../src/bench/index.ts';
import { HarnessArgumentError } from '../src/errors.ts';

const quiet = (): void => {};
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin: a CPU-bound operation of known cost */
  }
};

describe('summarize', () => {
  it('reports median, range and interquartile range', () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ median: 3, min: 1, max: 5, iqr: 2, samples: 5 });
    expect(summarize([7])).toEqual({ median: 7, min: 7, max: 7, iqr: 0, samples: 1 });
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('compareThroughput', () => {
  it('runs every variant in every round and reports each ratio against the baseline', async () => {
    const order: string[] = [];
    const c = await compareThroughput({
      id: 'spin',
      title: 'spin',
      variants: {
        slow: () => void (order.push('slow'), busy(0.4)),
        fast: () => void (order.push('fast'), busy(0.1)),
      },
      rounds: 2,
      timeMs: 50,
      warmupMs: 0,
      progress: quiet,
    });
    expect(c.baseline).toBe('slow');
    expect(c.variants.map((v) => v.opsPerSec.samples)).toEqual([2, 2]);
    expect(c.ratios).toHaveLength(1);
    expect(c.ratios[0]).toMatchObject({ variant: 'fast', baseline: 'slow' });
    // 4x less work per call: the ratio must come out well above 1 (not a speed check: an ordering one).
    expect(c.ratios[0]!.median).toBeGreaterThan(1);
    // Rotated order: round 2 starts with the variant that went second in round 1.
    expect(order[0]).toBe('slow');
    expect(order.at(-1)).toBe('slow');
  });

  it('rejects a baseline that is not a variant, and zero rounds', async () => {
    await expect(
      compareThroughput({ id: 'x', title: 'x', variants: { a: () => {} }, baseline: 'b', progress: quiet }),
    ).rejects.toThrow(/baseline must be one of the variants \(a\), got "b"/);
    await expect(
      compareThroughput({ id: 'x', title: 'x', variants: { a: () => {} }, rounds: 0, progress: quiet }),
    ).rejects.toThrow(HarnessArgumentError);
  });
});

describe('compareLoad', () => {
  it('records latency percentiles and counts failed operations instead of hiding them', async () => {
    let n = 0;
    const c = await compareLoad({
      id: 'load',
      title: 'load',
      variants: {
        steady: async () => new Promise((r) => setTimeout(r, 2)),
        flaky: async () => {
          if (++n % 2 === 0) throw new Error('boom');
          await new Promise((r) => setTimeout(r, 2));
        },
      },
      concurrency: 4,
      durationMs: 100,
      rounds: 2,
      warmupMs: 0,
      progress: quiet,
    });
    const [steady, flaky] = c.variants;
    expect(steady!.errors).toBe(0);
    expect(flaky!.errors).toBeGreaterThan(0);
    expect(steady!.latencyMs!.p50).toBeGreaterThanOrEqual(1);
    expect(steady!.latencyMs!.p99).toBeGreaterThanOrEqual(steady!.latencyMs!.p50);
    expect(c.concurrency).toBe(4);
  });

  it('fails loudly when a variant never succeeds', async () => {
    await expect(
      compareLoad({
        id: 'dead',
        title: 'dead',
        variants: { dead: async () => Promise.reject(new Error('server gone')) },
        concurrency: 1,
        durationMs: 20,
        rounds: 1,
        warmupMs: 0,
        progress: quiet,
      }),
    ).rejects.toThrow(/dead\/dead: no operation succeeded; first error: Error: server gone/);
  });
});

describe('latencySummary', () => {
  it('gives percentiles of recorded latencies at microsecond resolution', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) / 10); // 0.1 .. 10.0 ms
    const s = latencySummary(values);
    expect(s.count).toBe(100);
    expect(s.p50).toBeCloseTo(5.0, 1);
    expect(s.p99).toBeCloseTo(9.9, 1);
    expect(s.max).toBeCloseTo(10.0, 1);
    expect(() => latencySummary([])).toThrow(/valuesMs must hold at least one latency/);
  });
});

describe('benchReport', () => {
  it('writes a result file that validates against the documented schema and renders as Markdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'poc-example' }));
    const report = benchReport({ parameters: { ops: 10 }, packageDir: dir });
    report.add(
      await measure({ id: 'm', title: 'a measurement', samples: 3, warmup: 0, run: () => 1.25, progress: quiet }),
    );
    report.add({ id: 'f', title: 'lost updates', value: 0, unit: 'updates' });
    const written = await report.finish('It works.');
    const onDisk = JSON.parse(readFileSync(join(dir, 'bench', 'results.json'), 'utf8'));
    expect(benchResultSchema.parse(onDisk)).toEqual(written);
    expect(readResult(dir)).toEqual(written);
    expect(written.measurements[0]!.summary.median).toBe(1.25);
    const md = renderMarkdown(written);
    expect(md).toContain('| a measurement | 1.25 ms |');
    expect(md).toContain('| lost updates | 0 updates |');
  });

  it('refuses an empty headline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'poc-example' }));
    await expect(benchReport({ parameters: {}, packageDir: dir }).finish(' ')).rejects.toThrow(
      /headline must be a non-empty sentence/,
    );
  });
});
