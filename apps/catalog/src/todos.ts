// TODO markers: what `pnpm poc new` leaves for a person to write, in the metadata, the README and the code.
// A package with any left is in progress (a `todo` issue: it does not fail validation, it is not done).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describeValue } from '@poc/kit';

export interface TodoMarker {
  /** readme.todo, src.todo, test.todo, bench.todo, or the package.json field: poc.title, description ... */
  field: string;
  message: string;
}

const TODO = /\bTODO\b/;
/** The generator's placeholder concept: concepts must be kebab-case, so it cannot say "TODO". */
const PLACEHOLDER_CONCEPT = 'todo';

/** Lines (1-based) that hold a marker. */
const markedLines = (text: string): number[] => text.split('\n').flatMap((line, i) => (TODO.test(line) ? [i + 1] : []));

const shortList = (items: readonly string[], max = 5): string =>
  items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');

const plural = (n: number): string => `${n} TODO marker${n === 1 ? '' : 's'}`;

/** Strings in package.json's description and poc block that still say TODO. */
function packageMarkers(pkg: Record<string, unknown>): TodoMarker[] {
  const out: TodoMarker[] = [];
  const visit = (value: unknown, field: string): void => {
    if (typeof value === 'string') {
      if (TODO.test(value) || (field.startsWith('poc.concepts[') && value === PLACEHOLDER_CONCEPT))
        out.push({ field, message: `still a placeholder: ${describeValue(value)}` });
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${field}[${i}]`));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) visit(v, `${field}.${k}`);
  };
  visit(pkg.description, 'description');
  visit(pkg.poc, 'poc');
  return out;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const full = join(dir, e.name);
    return e.isDirectory() ? tsFiles(full) : /\.[cm]?ts$/.test(e.name) ? [full] : [];
  });
}

/** One marker per folder of code (src, test, bench) that has any, naming where. */
function codeMarkers(path: string): TodoMarker[] {
  return ['src', 'test', 'bench'].flatMap((folder) => {
    const places = tsFiles(join(path, folder))
      .sort()
      .flatMap((file) => {
        const rel = relative(path, file).split(sep).join('/');
        return markedLines(readFileSync(file, 'utf8')).map((line) => `${rel}:${line}`);
      });
    return places.length === 0
      ? []
      : [{ field: `${folder}.todo`, message: `${plural(places.length)} left: ${shortList(places)}` }];
  });
}

/** Every TODO left in a package: its package.json fields, its README, its code. */
export function todoMarkers(path: string, pkg: Record<string, unknown>, readme: string | undefined): TodoMarker[] {
  const lines = readme === undefined ? [] : markedLines(readme);
  const inReadme =
    lines.length === 0
      ? []
      : [{ field: 'readme.todo', message: `${plural(lines.length)} left: lines ${shortList(lines.map(String), 8)}` }];
  return [...packageMarkers(pkg), ...inReadme, ...codeMarkers(path)];
}
