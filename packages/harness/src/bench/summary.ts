// The table printed at the end of a bench session: per POC its headline ratio, the change from the
// result committed at HEAD, how long it took, and every flag (load too high, stale, errors counted,
// short profile, failed, no result).
import { join } from 'node:path';
import { duration, num, ratioText } from './format.ts';
import { resultFlags } from './flags.ts';
import { committedResultText } from './provenance.ts';
import { readResult } from './report.ts';
import { benchResultSchema, type BenchResult } from './schema.ts';
import type { SessionState } from './session.ts';

/** How long the package's last bench took (lock taken → result written), from its result file. */
export function previousDurationMs(packageDir: string): number | undefined {
  try {
    const r = readResult(packageDir);
    if (r?.schemaVersion !== 2) return undefined;
    const from = Date.parse(r.run.lock?.acquiredAt ?? r.run.startedAt);
    return Date.parse(r.run.finishedAt) - from;
  } catch {
    return undefined;
  }
}

/** The ratio a result leads with: the one its headline template quotes, else its first ratio. */
export function headlineRatioOf(r: BenchResult):
  | {
      comparison: string;
      variant: string;
      baseline: string;
      ratio: BenchResult['comparisons'][number]['ratios'][number];
    }
  | undefined {
  const all = r.comparisons.flatMap((c) =>
    c.ratios.map((ratio) => ({ comparison: c.id, variant: ratio.variant, baseline: c.baseline, ratio })),
  );
  const wanted = r.schemaVersion === 2 ? r.headlineRatio : undefined;
  return (wanted && all.find((x) => x.comparison === wanted.comparison && x.variant === wanted.variant)) ?? all[0];
}

function committed(packageDir: string): BenchResult | undefined {
  const text = committedResultText(packageDir);
  if (!text) return undefined;
  try {
    const parsed = benchResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The session's summary as Markdown lines (a table and a closing line). */
export function renderSummary(root: string, s: SessionState): string[] {
  const planned = s.plan ?? s.benches.map((b) => ({ package: b.package, dir: b.dir }));
  const rows: string[] = [];
  let wrote = 0;
  for (const p of planned) {
    const dir = join(root, p.dir);
    const run = s.benches.filter((b) => b.package === p.package).at(-1);
    const flags: string[] = [];
    let headline = '—';
    let previous = '—';
    let change = '—';
    if (!run) flags.push('did not run');
    else if (run.finishedAt === undefined) flags.push('still running, or killed');
    else if (run.exitCode !== 0) flags.push(`failed (exit ${run.exitCode})`);
    let result: BenchResult | undefined;
    try {
      result = run?.resultWritten ? readResult(dir) : undefined;
    } catch (e) {
      flags.push(`unreadable result: ${(e as Error).message.split('\n')[0]}`);
    }
    if (run && !run.resultWritten) flags.push('no result written');
    if (result) {
      wrote++;
      const h = headlineRatioOf(result);
      if (h) {
        headline = `${h.variant} ÷ ${h.baseline} (${h.comparison}): ${ratioText(h.ratio)}`;
        const before = committed(dir);
        const old = before?.comparisons.find((c) => c.id === h.comparison)?.ratios.find((x) => x.variant === h.variant);
        if (old) {
          previous = `${num(old.median)}x`;
          const delta = h.ratio.median / old.median - 1;
          change = `${delta >= 0 ? '+' : ''}${Math.round(delta * 100)}%`;
        } else previous = before ? 'not in HEAD’s result' : 'none committed';
      } else headline = 'no ratio';
      flags.push(...resultFlags(result, dir));
    }
    const took = run?.finishedAt ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '—';
    rows.push(
      `| ${cell(p.package)} | ${cell(headline)} | ${previous} | ${change} | ${took} | ${cell(flags.join('; ') || 'none')} |`,
    );
  }
  const first = s.benches[0]?.startedAt;
  const last = s.benches
    .map((b) => b.finishedAt)
    .filter((x): x is string => Boolean(x))
    .sort()
    .at(-1);
  const total = first && last ? duration(Date.parse(last) - Date.parse(first)) : '—';
  return [
    `Bench summary (session ${s.id}):`,
    '',
    '| POC | headline ratio | HEAD | change | took | flags |',
    '|---|---|---:|---:|---:|---|',
    ...rows,
    '',
    `${wrote} of ${planned.length} bench(es) wrote results, one at a time, in ${total}.`,
  ];
}
