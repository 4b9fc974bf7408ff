import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  benchReport,
  benchResultSchema,
  compareLoad,
  compareRounds,
  compareThroughput,
  completeComparison,
  latencySummary,
  measure,
  medianInterval,
  percentiles,
  ratioText,
  readResult,
  renderMarkdown,
  resolveHeadline,
  sourceHash,
  summarize,
  type BenchResultV1,
  type Comparison,
} from '../src/bench/index.ts';
import { HarnessArgumentError } from '../src/errors.ts';

const quiet = (): void => {};
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin: a CPU-bound operation of known cost */
  }
};
const pkgDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'poc-example' }));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), 'export const x = 1;\n');
  return dir;
};
afterEach(() => {
  delete process.env.POC_BENCH_PROFILE;
});

describe('summarize', () => {
  it('reports median, range and interquartile range, and keeps every sample in order', () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({
      median: 3,
      min: 1,
      max: 5,
      iqr: 2,
      samples: 5,
      values: [5, 1, 3, 2, 4],
    });
    expect(summarize([7])).toEqual({ median: 7, min: 7, max: 7, iqr: 0, samples: 1, values: [7] });
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('medianInterval', () => {
  it('gives min–max with its real confidence when 5 samples cannot reach 95%', () => {
    expect(medianInterval([1.2, 0.9, 1.1, 1.0, 1.3])).toEqual({
      low: 0.9,
      high: 1.3,
      confidence: 1 - 2 / 32,
      method: 'median-sign-test',
    });
    expect(medianInterval([2, 1, 3]).confidence).toBe(0.75);
    expect(medianInterval([4]).confidence).toBe(0);
  });

  it('narrows to inner order statistics once there are enough samples for 95%', () => {
    const i = medianInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect([i.low, i.high]).toEqual([2, 9]); // x(2), x(9) of 10: 97.9%
    expect(i.confidence).toBeGreaterThanOrEqual(0.95);
    expect(i.confidence).toBeCloseTo(1 - (2 * 11) / 1024, 10);
  });
});

describe('percentiles', () => {
  it('returns recorded values by nearest rank, never above the maximum', () => {
    const values = [1.001, 2.5, 3, 1234.567];
    const p = percentiles(values, [50, 99, 100]);
    expect(p).toEqual({ 50: 2.5, 99: 1234.567, 100: 1234.567 });
  });
});

describe('ratioText', () => {
  it('gives the point with its interval, or "no clear difference" when the interval straddles 1', () => {
    const r = { median: 1.13, min: 1.02, max: 1.3 };
    expect(ratioText({ ...r, interval: { low: 1.02, high: 1.3, confidence: 0.9375, method: 'm' } })).toBe(
      '1.13x (1.02–1.30, 93.7% CI)',
    );
    expect(ratioText({ ...r, interval: { low: 0.95, high: 1.3, confidence: 0.9375, method: 'm' } }, true)).toBe(
      '**no clear difference** (0.95–1.30, 93.7% CI)',
    );
    expect(ratioText(r)).toBe('1.13x (range 1.02–1.30)');
  });
});

describe('compareThroughput', () => {
  it('runs every variant in every round and reports each round ratio with an interval', async () => {
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
    expect(c.variants.map((v) => v.opsPerSec.values?.length)).toEqual([2, 2]);
    expect(c.ratios).toHaveLength(1);
    const [ratio] = c.ratios;
    expect(ratio).toMatchObject({ variant: 'fast', baseline: 'slow' });
    expect(ratio!.values).toHaveLength(2);
    // Each round's ratio is that round's fast ÷ slow.
    const [slow, fast] = c.variants;
    expect(ratio!.values![1]).toBeCloseTo(fast!.opsPerSec.values![1]! / slow!.opsPerSec.values![1]!, 10);
    expect(ratio!.interval).toMatchObject({ confidence: 0.5 });
    // 4x less work per call: the ratio must come out well above 1 (not a speed check: an ordering one).
    expect(ratio!.median).toBeGreaterThan(1);
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

  it('caps rounds and time in the short profile', async () => {
    process.env.POC_BENCH_PROFILE = 'short';
    const c = await compareThroughput({
      id: 'x',
      title: 'x',
      variants: { a: () => busy(0.01) },
      rounds: 9,
      timeMs: 10_000,
      progress: quiet,
    });
    expect(c.rounds).toBe(3);
  });
});

describe('compareLoad', () => {
  it('counts failed operations per round and records their latency apart from the successes', async () => {
    let n = 0;
    const c = await compareLoad({
      id: 'load',
      title: 'load',
      variants: {
        steady: async () => new Promise((r) => setTimeout(r, 2)),
        flaky: async () => {
          await new Promise((r) => setTimeout(r, 1));
          if (++n % 2 === 0) throw new Error('boom');
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
    expect(steady!.failed).toBeUndefined();
    expect(flaky!.errors).toBeGreaterThan(0);
    expect(flaky!.errorsPerRound!.reduce((a, b) => a + b, 0)).toBe(flaky!.errors);
    expect(flaky!.failed!.count).toBe(flaky!.errors);
    expect(flaky!.failed!.latencyMs!.p50).toBeGreaterThanOrEqual(0.5);
    expect(steady!.latencyMs!.p50).toBeGreaterThanOrEqual(1);
    expect(steady!.latencyMs!.p99).toBeGreaterThanOrEqual(steady!.latencyMs!.p50);
    expect(steady!.latencyMs!.p99).toBeLessThanOrEqual(steady!.latencyMs!.max);
    expect(c.concurrency).toBe(4);
    // The HDR histogram is stored encoded and decodes to every successful operation.
    const h = hdr.decodeFromCompressedBase64(steady!.histogram!, 32, false);
    expect(h.totalCount).toBe(steady!.latencyMs!.count);
    h.destroy();
    expect(c.ratios[0]!.values).toHaveLength(2);
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

describe('compareRounds', () => {
  it('interleaves samples a bench times itself, keeps each round and counts their errors', async () => {
    const calls: string[] = [];
    const c = await compareRounds({
      id: 'drain',
      title: 'drain a queue',
      variants: {
        one: () => (calls.push('one'), 100),
        ten: async () => (calls.push('ten'), { ops: 500, seconds: 2, errors: 1 }),
      },
      rounds: 3,
      unit: 'msg/s',
      progress: quiet,
    });
    expect(calls).toEqual(['one', 'ten', 'ten', 'one', 'one', 'ten']);
    expect(c.variants[1]).toMatchObject({ name: 'ten', errors: 3, errorsPerRound: [1, 1, 1] });
    expect(c.ratios[0]).toMatchObject({ variant: 'ten', baseline: 'one', median: 2.5, values: [2.5, 2.5, 2.5] });
    expect(c.ratios[0]!.interval).toMatchObject({ low: 2.5, high: 2.5, confidence: 0.75 });
  });
});

describe('completeComparison', () => {
  const handBuilt = (median: number): Comparison => ({
    id: 'h',
    title: 'hand-built',
    kind: 'throughput',
    baseline: 'a',
    rounds: 3,
    variants: [
      { name: 'a', opsPerSec: summarize([100, 200, 100]), errors: 0 },
      { name: 'b', opsPerSec: summarize([200, 200, 300]), errors: 0 },
    ],
    ratios: [{ variant: 'b', baseline: 'a', median, min: 1, max: 3 }],
  });

  it('derives each round ratio of a comparison built by hand from its ops/s samples', () => {
    const c = completeComparison(handBuilt(2));
    expect(c.ratios[0]).toMatchObject({ median: 2, min: 1, max: 3, values: [2, 1, 3] });
    expect(c.ratios[0]!.interval!.confidence).toBe(0.75);
  });

  it('leaves a ratio alone when the derived one does not reproduce its median', () => {
    expect(completeComparison(handBuilt(0.5)).ratios[0]!.values).toBeUndefined();
  });
});

describe('latencySummary', () => {
  it('gives percentiles that are recorded latencies, never above the maximum', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) / 10); // 0.1 .. 10.0 ms
    const s = latencySummary(values);
    expect(s.count).toBe(100);
    expect(s.p50).toBe(5.0);
    expect(s.p99).toBe(9.9);
    expect(s.max).toBe(10.0);
    // A value an HDR bucket would round up (1,234,567 µs → 1,234,943 µs) is reported as recorded.
    expect(latencySummary([1_234.567]).p99).toBe(1_234.567);
    expect(() => latencySummary([])).toThrow(/valuesMs must hold at least one latency/);
  });
});

describe('sourceHash', () => {
  it('covers src/ and bench/ but not bench/results.json or bench/plans/', () => {
    const dir = pkgDir();
    mkdirSync(join(dir, 'bench'));
    writeFileSync(join(dir, 'bench', 'x.bench.ts'), '// bench\n');
    const before = sourceHash(dir);
    expect(before).toMatch(/^sha256:[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'bench', 'results.json'), '{}');
    mkdirSync(join(dir, 'bench', 'plans'));
    writeFileSync(join(dir, 'bench', 'plans', 'seq-scan.txt'), 'Seq Scan on t\n');
    writeFileSync(join(dir, 'README.md'), '# not hashed\n');
    expect(sourceHash(dir)).toBe(before);
    writeFileSync(join(dir, 'src', 'index.ts'), 'export const x = 2;\n');
    expect(sourceHash(dir)).not.toBe(before);
  });
});

describe('benchReport', () => {
  it('writes a version 2 result with raw samples and provenance, and renders every ratio with its interval', async () => {
    const dir = pkgDir();
    const report = benchReport({ parameters: { ops: 10 }, packageDir: dir });
    report.add(
      await measure({ id: 'm', title: 'a measurement', samples: 3, warmup: 0, run: () => 1.25, progress: quiet }),
    );
    report.add({ id: 'f', title: 'lost updates', value: 0, unit: 'updates' });
    report.add(
      await compareRounds({
        id: 'c',
        title: 'two ways',
        variants: { base: () => 100, same: () => 100, faster: () => 250 },
        rounds: 5,
        progress: quiet,
      }),
    );
    const written = await report.finish(
      'faster ÷ base = {ratio:c/faster}; same ÷ base = {ratio:c/same}; lost {fact:f}',
    );
    const onDisk = JSON.parse(readFileSync(join(dir, 'bench', 'results.json'), 'utf8'));
    expect(benchResultSchema.parse(onDisk)).toEqual(written);
    expect(readResult(dir)).toEqual(written);
    expect(written.schemaVersion).toBe(2);
    expect(written.measurements[0]!.summary).toMatchObject({ median: 1.25, values: [1.25, 1.25, 1.25] });
    expect(written.run).toMatchObject({
      profile: 'full',
      sourceHash: sourceHash(dir),
      git: { commit: null, dirty: null },
      lock: null,
      session: null,
    });
    expect(written.run.loadAverage.start).toHaveLength(3);
    expect(written.run.loadAverage.cores).toBeGreaterThan(0);
    expect(written.headlineSource).toBe('template');
    expect(written.headlineRatio).toEqual({ comparison: 'c', variant: 'faster' });
    expect(written.headline).toBe(
      'faster ÷ base = 2.50x (2.50–2.50, 93.7% CI); same ÷ base = no clear difference (1–1, 93.7% CI); lost 0 updates',
    );
    expect(resolveHeadline(written.headlineTemplate!, written)).toBe(written.headline);
    const md = renderMarkdown(written);
    expect(md).toContain('| a measurement | 1.25 ms |');
    expect(md).toContain('| lost updates | 0 updates |');
    expect(md).toContain('| same | 100 | 100–100 | **no clear difference** (1–1, 93.7% CI) |');
    expect(md).toContain('| faster | 250 | 250–250 | **2.50x** (2.50–2.50, 93.7% CI) |');
  });

  it('computes a headline from a function of the stored result', async () => {
    const dir = pkgDir();
    const report = benchReport({ parameters: { n: 3 }, packageDir: dir });
    report.add({ id: 'f', title: 'lost', value: 7 });
    const written = await report.finish((r, f) => `n=${f.param('n')}, lost ${r.facts[0]!.value}`);
    expect(written).toMatchObject({ headline: 'n=3, lost 7', headlineSource: 'function' });
  });

  it('keeps a typed headline for older benches, and names what a template refers to that is not there', async () => {
    const dir = pkgDir();
    const typed = benchReport({ parameters: {}, packageDir: dir });
    expect(await typed.finish('It works.')).toMatchObject({ headline: 'It works.', headlineSource: 'typed' });
    const report = benchReport({ parameters: {}, packageDir: dir });
    report.add(
      await compareRounds({ id: 'c', title: 'c', variants: { a: () => 1, b: () => 2 }, rounds: 1, progress: quiet }),
    );
    await expect(report.finish('{ratio:c/z}')).rejects.toThrow(
      /comparison "c" has no ratio for "z" .*the result has: b/,
    );
    await expect(report.finish('{ratio:nope/b}')).rejects.toThrow(/no comparison "nope"; the result has: c/);
  });

  it('refuses an empty headline', async () => {
    await expect(benchReport({ parameters: {}, packageDir: pkgDir() }).finish(' ')).rejects.toThrow(
      /headline must be a non-empty sentence/,
    );
  });
});

describe('version 1 results', () => {
  const v1: BenchResultV1 = {
    schemaVersion: 1,
    package: 'poc-example',
    date: '2026-11-20T10:00:00.000Z',
    command: 'pnpm --filter poc-example bench',
    machine: { cpuModel: 'CPU', cores: 2, memoryGiB: 4, os: 'Linux 6', node: 'v20.20.2' },
    services: { redis: { provider: 'local', version: '7.0.15' } },
    parameters: { ops: 10 },
    comparisons: [
      {
        id: 'c',
        title: 'Contended',
        kind: 'load',
        baseline: 'poc',
        rounds: 3,
        concurrency: 20,
        variants: [
          {
            name: 'poc',
            opsPerSec: { median: 1000, min: 900, max: 1100, iqr: 100, samples: 3 },
            latencyMs: { p50: 1, p95: 2, p99: 3, max: 4 },
            errors: 0,
          },
          {
            name: 'naive',
            opsPerSec: { median: 720, min: 700, max: 800, iqr: 50, samples: 3 },
            latencyMs: { p50: 1.5, p95: 2.5, p99: 3.5, max: 4.5 },
            errors: 0,
          },
        ],
        ratios: [{ variant: 'naive', baseline: 'poc', median: 0.72, min: 0.64, max: 0.89 }],
      },
    ],
    measurements: [],
    facts: [],
    headline: 'naive ÷ POC = 0.72x.',
  };

  it('still validate, and render exactly as before (the READMEs that quote them keep matching)', () => {
    const parsed = benchResultSchema.parse(v1);
    expect(parsed.schemaVersion).toBe(1);
    expect(renderMarkdown(parsed)).toBe(
      [
        'Measured 2026-11-20 with `pnpm --filter poc-example bench` on 2 × CPU, 4 GiB, Linux 6, Node v20.20.2; redis 7.0.15 (local).',
        'Parameters: ops=10.',
        '',
        '**Contended** (3 interleaved rounds, 20 concurrent callers)',
        '',
        '| variant | ops/s (median) | ops/s range | p50 ms | p95 ms | p99 ms | errors | vs poc |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        '| poc | 1,000 | 900–1,100 | 1 | 2 | 3 | 0 | 1x (baseline) |',
        '| naive | 720 | 700–800 | 1.50 | 2.50 | 3.50 | 0 | **0.72x** (0.64–0.89) |',
        '',
        'Headline: naive ÷ POC = 0.72x.',
      ].join('\n'),
    );
  });
});
