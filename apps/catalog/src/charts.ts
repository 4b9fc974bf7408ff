// Small inline SVG charts, generated at build time (no chart library, no network): the bench ratios of
// a POC (median with its min–max range, 1x marked) and the progress of each series.
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2);

export interface RatioChartInput {
  title: string;
  baseline: string;
  ratios: {
    variant: string;
    median: number;
    min: number;
    max: number;
    interval?: { low: number; high: number; confidence: number } | null;
    noClearDifference?: boolean;
  }[];
}

const pct = (p: number): string => `${Math.floor(p * 1_000) / 10}%`.replace('.0%', '%');

/**
 * Horizontal bars, one per variant: median ratio (variant ÷ baseline) with its confidence interval as
 * a whisker (the min–max range for results without one); a ratio whose interval straddles 1x is
 * labelled "no clear difference" instead of a point.
 */
export function ratioChart(c: RatioChartInput): string {
  const rowH = 26;
  const labelW = 170;
  const plotW = 320;
  const top = 8;
  const rows = [
    { variant: `${c.baseline} (baseline)`, median: 1, lo: 1, hi: 1, unclear: false },
    ...c.ratios.map((r) => ({
      variant: r.variant,
      median: r.median,
      lo: r.interval?.low ?? r.min,
      hi: r.interval?.high ?? r.max,
      unclear: r.noClearDifference ?? false,
    })),
  ];
  const maxV = Math.max(1.2, ...rows.map((r) => r.hi), ...rows.map((r) => r.median)) * 1.08;
  const x = (v: number): number => labelW + (Math.max(0, v) / maxV) * plotW;
  const h = top + rows.length * rowH + 22;
  const w = labelW + plotW + 140;
  const label =
    `${c.title}: ratio to ${c.baseline}. ` +
    c.ratios
      .map((r) => {
        const span = r.interval
          ? `${pct(r.interval.confidence)} interval ${fmt(r.interval.low)}–${fmt(r.interval.high)}`
          : `range ${fmt(r.min)}–${fmt(r.max)}`;
        return `${r.variant} ${r.noClearDifference ? 'no clear difference' : `${fmt(r.median)}x`} (${span})`;
      })
      .join('; ');
  const bars = rows
    .map((r, i) => {
      const y = top + i * rowH;
      const whisker =
        r.hi > r.lo
          ? `<line x1="${x(r.lo).toFixed(1)}" x2="${x(r.hi).toFixed(1)}" y1="${y + 10}" y2="${y + 10}" class="whisker"/>`
          : '';
      return (
        `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" class="lbl">${esc(r.variant)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${(x(r.median) - labelW).toFixed(1)}" height="14" class="${i === 0 ? 'bar base' : 'bar'}"/>` +
        whisker +
        `<text x="${(Math.max(x(r.median), x(r.hi)) + 6).toFixed(1)}" y="${y + 14}" class="val">${r.unclear ? 'no clear difference' : `${fmt(r.median)}x`}</text>`
      );
    })
    .join('');
  const one = x(1).toFixed(1);
  return (
    `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${esc(label)}</title>${bars}` +
    `<line x1="${one}" x2="${one}" y1="${top}" y2="${h - 18}" class="one"/>` +
    `<text x="${one}" y="${h - 4}" text-anchor="middle" class="axis">1x</text></svg>`
  );
}

/** One stacked bar per series: done vs in progress, with counts. */
export function seriesChart(series: { id: string; total: number; done: number }[]): string {
  const rowH = 22;
  const labelW = 120;
  const plotW = 260;
  const maxT = Math.max(1, ...series.map((s) => s.total));
  const h = series.length * rowH + 6;
  const w = labelW + plotW + 110;
  const label = 'Progress per series: ' + series.map((s) => `${s.id} ${s.done} of ${s.total} done`).join('; ');
  const rows = series
    .map((s, i) => {
      const y = 3 + i * rowH;
      const doneW = (s.done / maxT) * plotW;
      const progW = ((s.total - s.done) / maxT) * plotW;
      return (
        `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" class="lbl">${esc(s.id)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${doneW.toFixed(1)}" height="14" class="bar done"/>` +
        `<rect x="${(labelW + doneW).toFixed(1)}" y="${y + 3}" width="${progW.toFixed(1)}" height="14" class="bar progress"/>` +
        `<text x="${(labelW + doneW + progW + 6).toFixed(1)}" y="${y + 14}" class="val">${s.done}/${s.total} done</text>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><title>${esc(label)}</title>${rows}</svg>`;
}
