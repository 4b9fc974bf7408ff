// `pnpm poc new <series> <name> [--services redis,postgres]`: a new POC package in the finished shape
// (templates/), with metadata that validates but says TODO, and tests and a bench that FAIL until written,
// so a generated package can never pass for a finished one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServiceName } from '@poc/harness/services';
import { workspacePackageDirs } from '@poc/harness/workspace';
import { KEBAB, SERIES } from './schema.ts';
import { KNOWN_SERVICES, harnessVersions, isKnownService, makeSpec, templateFiles } from './templates/index.ts';

export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

/** Longer names make identifiers (WriteBehindArgumentError ...) and paths nobody wants to type. */
export const MAX_NAME_LENGTH = 40;
/** Names whose files would collide with the files every POC has (src/naive.ts, test/faults.test.ts ...). */
const RESERVED_NAMES = ['index', 'errors', 'naive', 'demo', 'arguments', 'faults'];

/** "redis,postgres" (or a list) → the harness service names, checked; unknown names are refused. */
export function parseServices(input: string | readonly string[] = []): ServiceName[] {
  const names = (typeof input === 'string' ? input.split(',') : input).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((s) => !isKnownService(s));
  if (unknown.length > 0) {
    const list = unknown.map((s) => `"${s}"`).join(', ');
    throw new GeneratorError(
      `unknown service${unknown.length > 1 ? 's' : ''} ${list}: the harness provides ${KNOWN_SERVICES.join(', ')}`,
    );
  }
  return [...new Set(names.filter(isKnownService))];
}

/** Checks the arguments; throws GeneratorError with the reason. Returns the package folder. */
export function checkNewPoc(root: string, series: string, name: string): string {
  if (!(SERIES as readonly string[]).includes(series)) {
    throw new GeneratorError(`unknown series "${series}": choose one of ${SERIES.join(', ')}`);
  }
  if (!KEBAB.test(name)) {
    throw new GeneratorError(
      `"${name}" is not a valid name: use kebab-case (lowercase letters, digits, single dashes), e.g. "sliding-window"`,
    );
  }
  if (name.length > MAX_NAME_LENGTH)
    throw new GeneratorError(`"${name}" is too long: at most ${MAX_NAME_LENGTH} characters`);
  if (RESERVED_NAMES.includes(name))
    throw new GeneratorError(`"${name}" would clash with a file every POC has: choose another name`);
  const dir = join(root, 'packages', series, name);
  const pkg = `poc-${series}-${name}`;
  if (existsSync(dir)) throw new GeneratorError(`packages/${series}/${name} already exists: choose another name`);
  for (const d of workspacePackageDirs(root)) {
    const existing = (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name;
    if (existing === pkg) throw new GeneratorError(`a package named ${pkg} already exists (${d}): choose another name`);
  }
  return dir;
}

export interface NewPocOptions {
  /** Harness services the POC needs (poc.services): their clients become the factory's arguments. */
  services?: string | readonly string[];
}

/** Writes the package; returns its folder and the files written (relative). */
export function newPoc(
  root: string,
  series: string,
  name: string,
  options: NewPocOptions = {},
): { dir: string; files: string[] } {
  const services = parseServices(options.services);
  const dir = checkNewPoc(root, series, name);
  let files: Record<string, string>;
  try {
    files = templateFiles(makeSpec(series, name, services, harnessVersions()));
  } catch (e) {
    throw new GeneratorError((e as Error).message);
  }
  const written: string[] = [];
  for (const [rel, text] of Object.entries(files)) {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text, { flag: 'wx' });
    written.push(rel);
  }
  return { dir, files: written };
}
