// The few layout rules of Prettier (printWidth 120) that the templates' name-dependent lines need, so a
// generated package passes `prettier --check` as written: an import or export list on one line when it
// fits, else one name per line; a call or an array row likewise.
export const WIDTH = 120;

const fits = (line: string): boolean => line.length <= WIDTH;

/** `{ a, b }` lists of import/export declarations: one line, or one name per line with a trailing comma. */
function list(head: string, names: readonly string[], tail: string): string {
  const flat = `${head}{ ${names.join(', ')} }${tail}`;
  return fits(flat) ? flat : `${head}{\n${names.map((n) => `  ${n},\n`).join('')}}${tail}`;
}

export interface ImportEntry {
  /** Default import (`import pg from 'pg'`). */
  default?: string;
  /** Named imports; type-only ones are written `type X`. */
  values: Set<string>;
  types: Set<string>;
  defaultIsType: boolean;
}

const ascii = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Imports collected from several templates: packages first, then relative paths, each sorted, names sorted. */
export class Imports {
  private readonly modules = new Map<string, ImportEntry>();

  private entry(from: string): ImportEntry {
    let e = this.modules.get(from);
    if (!e) {
      e = { values: new Set(), types: new Set(), defaultIsType: true };
      this.modules.set(from, e);
    }
    return e;
  }

  value(from: string, ...names: string[]): this {
    const e = this.entry(from);
    for (const n of names) e.values.add(n);
    return this;
  }

  type(from: string, ...names: string[]): this {
    const e = this.entry(from);
    for (const n of names) e.types.add(n);
    return this;
  }

  /** `import name from 'x'`; a later value use of the same default makes it a value import. */
  defaultImport(from: string, name: string, { type }: { type: boolean }): this {
    const e = this.entry(from);
    e.default = name;
    e.defaultIsType &&= type;
    return this;
  }

  render(): string {
    const lines: string[] = [];
    const relative = (m: string): boolean => m.startsWith('.');
    const order = [...this.modules.keys()].sort((a, b) => Number(relative(a)) - Number(relative(b)) || ascii(a, b));
    for (const from of order) {
      const e = this.modules.get(from)!;
      const types = [...e.types].filter((t) => !e.values.has(t)).sort(ascii);
      const values = [...e.values].sort(ascii);
      const tail = ` from '${from}';`;
      if (e.default !== undefined) {
        const typeOnly = e.defaultIsType && values.length === 0;
        const named = [...values, ...types.map((t) => (typeOnly ? t : `type ${t}`))];
        const head = `import ${typeOnly ? 'type ' : ''}${e.default}`;
        lines.push(named.length === 0 ? `${head}${tail}` : list(`${head}, `, named, tail));
      } else if (values.length === 0) {
        lines.push(list('import type ', types, tail));
      } else {
        lines.push(list('import ', [...values, ...types.map((t) => `type ${t}`)], tail));
      }
    }
    return lines.join('\n');
  }
}

/** `export { a, type B } from './x.ts';` */
export const exportList = (names: readonly string[], from: string): string =>
  list('export ', names, ` from '${from}';`);

/**
 * `<prefix>fn(a, b, { ... })<suffix>` at `indent`: flat when it fits; else the last argument (an object
 * literal written `{ k: v }`) hugged and expanded, as Prettier does; else one argument per line.
 */
export function call(indent: string, prefix: string, fn: string, args: readonly string[], suffix = ';'): string {
  const flat = `${indent}${prefix}${fn}(${args.join(', ')})${suffix}`;
  if (fits(flat)) return flat;
  const last = args.at(-1) ?? '';
  const object = /^\{ (.*) \}$/.exec(last);
  if (object) {
    const head = `${indent}${prefix}${fn}(${[...args.slice(0, -1), '{'].join(', ')}`;
    if (fits(head)) return `${head}\n${indent}  ${object[1]},\n${indent}})${suffix}`;
  }
  return `${indent}${prefix}${fn}(\n${args.map((a) => `${indent}  ${a},\n`).join('')}${indent})${suffix}`;
}

/** One row of a table of cases (`[a, b, c],`) at `indent`: one line when it fits, else one item per line. */
export function row(indent: string, items: readonly string[]): string {
  const flat = `${indent}[${items.join(', ')}],`;
  return fits(flat) ? flat : `${indent}[\n${items.map((i) => `${indent}  ${i},\n`).join('')}${indent}],`;
}

/** `<head>(a: A, b: B)<tail>`: a signature on one line when it fits, else one parameter per line. */
export function signature(head: string, params: readonly string[], tail: string): string {
  const flat = `${head}(${params.join(', ')})${tail}`;
  return fits(flat) ? flat : `${head}(\n${params.map((p) => `  ${p},\n`).join('')})${tail}`;
}

/** `export type Name = A | B;`, broken after `=` (then before each `|`) when too long. */
export function typeUnion(name: string, members: readonly string[]): string {
  const head = `export type ${name} =`;
  const flat = `${head} ${members.join(' | ')};`;
  if (fits(flat) || members.length === 1) return flat;
  const next = `  ${members.join(' | ')};`;
  return fits(next) ? `${head}\n${next}` : `${head}\n${members.map((m) => `  | ${m}`).join('\n')};`;
}
