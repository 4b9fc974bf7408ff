// How figures are written, in tables, headlines and the run summary alike.
import type { Ratio } from './schema.ts';
import { straddlesOne } from './stats.ts';

/** Integers and large values with thousands separators; 1 decimal from 10; 2 below. */
export const num = (n: number): string =>
  Number.isInteger(n) || Math.abs(n) >= 100
    ? Math.round(n).toLocaleString('en-US')
    : Math.abs(n) >= 10
      ? n.toFixed(1)
      : n.toFixed(2);

const pct = (p: number): string => `${Math.floor(p * 1_000) / 10}%`.replace('.0%', '%');

/** Whether a ratio's interval cannot tell its side of 1.0. */
export const noClearDifference = (r: Pick<Ratio, 'interval'>): boolean =>
  r.interval !== undefined && r.interval.confidence > 0 && straddlesOne(r.interval);

/**
 * A ratio as published: the point with its interval ("1.13x (1.02–1.30, 94% CI)"); "no clear
 * difference (0.95–1.30, 94% CI)" when the interval straddles 1.0; the range when it has no interval
 * (a version 1 result or a comparison built by hand).
 */
export function ratioText(r: Pick<Ratio, 'median' | 'min' | 'max' | 'interval'>, bold = false): string {
  const b = (s: string): string => (bold ? `**${s}**` : s);
  const i = r.interval;
  if (!i) return `${b(`${num(r.median)}x`)} (range ${num(r.min)}–${num(r.max)})`;
  if (i.confidence === 0) return `${b(`${num(r.median)}x`)} (one round: no interval)`;
  const span = `${num(i.low)}–${num(i.high)}, ${pct(i.confidence)} CI`;
  return noClearDifference(r) ? `${b('no clear difference')} (${span})` : `${b(`${num(r.median)}x`)} (${span})`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1_000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
