// Headlines computed from the stored values, never typed: a template whose placeholders name figures
// of the result ("redlock ÷ POC = {ratio:contended/redlock}") is resolved when the file is written, and
// the template is stored with it so the catalog can resolve it again and check the sentence.
//
// Placeholders (<c> a comparison id, <v> one of its variants; ids and names as in the result):
//   {ratio:<c>/<v>}    the ratio to the baseline with its interval, or "no clear difference (...)"
//   {x:<c>/<v>}        the median ratio alone ("1.13x"): only where the interval is given elsewhere
//   {ops:<c>/<v>}      median ops/s        {errors:<c>/<v>}  failed operations
//   {p50|p95|p99|max:<c>/<v>}  latency in ms (load comparisons)
//   {measure:<id>}     a measurement's median, with its unit
//   {fact:<id>}        a fact's value, with its unit       {param:<name>}  a parameter's value
import { HarnessArgumentError } from '../errors.ts';
import { num, ratioText } from './format.ts';
import type { BenchResult, Comparison } from './schema.ts';

const PLACEHOLDER = /\{(ratio|x|ops|errors|p50|p95|p99|max|measure|fact|param):([^{}]+)\}/g;

/** Whether a headline string is a template (holds at least one placeholder). */
export const isTemplate = (text: string): boolean => new RegExp(PLACEHOLDER.source).test(text);

type Figures = Pick<BenchResult, 'comparisons' | 'measurements' | 'facts' | 'parameters'>;

/** Formatted figures of a result, by name: what placeholders resolve to, for headline functions too. */
export interface HeadlineFigures {
  ratio(comparison: string, variant: string): string;
  x(comparison: string, variant: string): string;
  ops(comparison: string, variant: string): string;
  errors(comparison: string, variant: string): string;
  latency(comparison: string, variant: string, which: 'p50' | 'p95' | 'p99' | 'max'): string;
  measure(id: string): string;
  fact(id: string): string;
  param(name: string): string;
}

const fail = (what: string, known: readonly string[]): never => {
  throw new HarnessArgumentError(`headline: ${what}; the result has: ${known.length > 0 ? known.join(', ') : 'none'}`);
};

export function headlineFigures(result: Figures): HeadlineFigures {
  const comparison = (id: string): Comparison =>
    result.comparisons.find((c) => c.id === id) ??
    fail(
      `no comparison "${id}"`,
      result.comparisons.map((c) => c.id),
    );
  const variant = (c: string, v: string): Comparison['variants'][number] => {
    const cmp = comparison(c);
    return (
      cmp.variants.find((x) => x.name === v) ??
      fail(
        `comparison "${c}" has no variant "${v}"`,
        cmp.variants.map((x) => x.name),
      )
    );
  };
  const ratio = (c: string, v: string): Comparison['ratios'][number] => {
    const cmp = comparison(c);
    return (
      cmp.ratios.find((r) => r.variant === v) ??
      fail(
        `comparison "${c}" has no ratio for "${v}" (the baseline is "${cmp.baseline}")`,
        cmp.ratios.map((r) => r.variant),
      )
    );
  };
  return {
    ratio: (c, v) => ratioText(ratio(c, v)),
    x: (c, v) => `${num(ratio(c, v).median)}x`,
    ops: (c, v) => num(variant(c, v).opsPerSec.median),
    errors: (c, v) => String(variant(c, v).errors ?? 0),
    latency: (c, v, which) => {
      const l =
        variant(c, v).latencyMs ?? fail(`variant "${v}" of "${c}" has no latencies (not a load comparison)`, []);
      return num(l[which]);
    },
    measure: (id) => {
      const m =
        result.measurements.find((x) => x.id === id) ??
        fail(
          `no measurement "${id}"`,
          result.measurements.map((x) => x.id),
        );
      return `${num(m.summary.median)} ${m.unit}`;
    },
    fact: (id) => {
      const f =
        result.facts.find((x) => x.id === id) ??
        fail(
          `no fact "${id}"`,
          result.facts.map((x) => x.id),
        );
      return `${typeof f.value === 'number' ? num(f.value) : f.value}${f.unit ? ` ${f.unit}` : ''}`;
    },
    param: (name) => {
      if (!(name in result.parameters)) fail(`no parameter "${name}"`, Object.keys(result.parameters));
      return String(result.parameters[name]);
    },
  };
}

const split = (arg: string): [string, string] => {
  const at = arg.indexOf('/');
  if (at <= 0 || at === arg.length - 1)
    throw new HarnessArgumentError(`headline: "${arg}" must be <comparison>/<variant>`);
  return [arg.slice(0, at).trim(), arg.slice(at + 1).trim()];
};

/** Resolves every placeholder of a template against the result's figures. */
export function resolveHeadline(template: string, result: Figures): string {
  const f = headlineFigures(result);
  return template.replace(new RegExp(PLACEHOLDER.source, 'g'), (_, kind: string, arg: string) => {
    switch (kind) {
      case 'ratio':
        return f.ratio(...split(arg));
      case 'x':
        return f.x(...split(arg));
      case 'ops':
        return f.ops(...split(arg));
      case 'errors':
        return f.errors(...split(arg));
      case 'p50':
      case 'p95':
      case 'p99':
      case 'max':
        return f.latency(...split(arg), kind);
      case 'measure':
        return f.measure(arg.trim());
      case 'fact':
        return f.fact(arg.trim());
      default:
        return f.param(arg.trim());
    }
  });
}

/** The first ratio a template quotes ({ratio:...} or {x:...}): the one the run summary shows. */
export function firstRatio(template: string): { comparison: string; variant: string } | undefined {
  for (const m of template.matchAll(new RegExp(PLACEHOLDER.source, 'g'))) {
    if (m[1] === 'ratio' || m[1] === 'x') {
      const [comparison, variant] = split(m[2]!);
      return { comparison, variant };
    }
  }
  return undefined;
}
