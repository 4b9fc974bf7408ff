import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratorError, newPoc } from '../src/generator.ts';
import { README_SECTIONS } from '../src/readme.ts';
import { validateWorkspace } from '../src/validate.ts';
import { addPoc, workspace, type Fixture } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.close());

describe('pnpm poc new', () => {
  it('creates a package in the standard shape that validates as "in progress"', () => {
    f = workspace();
    const { dir, files } = newPoc(f.root, 'caching', 'write-behind');
    expect(dir).toBe(join(f.root, 'packages/caching/write-behind'));
    expect(files.sort()).toEqual(
      [
        'README.md',
        'bench/write-behind.bench.ts',
        'eslint.config.js',
        'package.json',
        'src/demo.ts',
        'src/index.ts',
        'test/write-behind.test.ts',
        'tsconfig.json',
        'vitest.config.ts',
      ].sort(),
    );
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const lock = JSON.parse(
      readFileSync(new URL('../../../packages/redis/lock/package.json', import.meta.url), 'utf8'),
    );
    expect(pkg.name).toBe('poc-caching-write-behind');
    expect(Object.keys(pkg.scripts)).toEqual(Object.keys(lock.scripts));
    expect(Object.keys(pkg.poc).sort()).toEqual(
      Object.keys(lock.poc)
        .filter((k) => k !== 'number')
        .sort(),
    );
    for (const [dep, version] of Object.entries(pkg.devDependencies))
      if (dep in lock.devDependencies) expect(version, dep).toBe(lock.devDependencies[dep]);
    for (const file of ['tsconfig.json', 'eslint.config.js', 'vitest.config.ts'])
      expect(readFileSync(join(dir, file), 'utf8')).toBe(
        readFileSync(new URL(`../../../packages/redis/lock/${file}`, import.meta.url), 'utf8'),
      );

    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const s of README_SECTIONS) expect(readme).toContain(`## ${s.heading}`);
    // The placeholders fail until written: never a passing or skipped stand-in.
    const test = readFileSync(join(dir, 'test/write-behind.test.ts'), 'utf8');
    expect(test).toContain('expect.fail(');
    expect(test).not.toMatch(/\.(skip|todo|only)\b/);
    expect(readFileSync(join(dir, 'bench/write-behind.bench.ts'), 'utf8')).toContain(
      "throw new Error('not implemented",
    );

    const [poc] = validateWorkspace(f.root).pocs;
    expect(poc).toMatchObject({ name: 'poc-caching-write-behind', status: 'in progress' });
    expect(poc!.issues.map((i) => `${i.level} ${i.field}`)).toEqual(['todo bench/results.json']);
  });

  it('refuses a name that is not kebab-case, an unknown series and an existing package', () => {
    f = workspace();
    addPoc(f, 'redis', 'lock');
    const refusal = (series: string, name: string): string => {
      try {
        newPoc(f.root, series, name);
      } catch (e) {
        expect(e).toBeInstanceOf(GeneratorError);
        return (e as Error).message;
      }
      throw new Error(`newPoc(${series}, ${name}) was not refused`);
    };
    expect(refusal('redis', 'Rate_Limit')).toMatch(/"Rate_Limit" is not a valid name: use kebab-case/);
    expect(refusal('redis', 'double--dash')).toMatch(/kebab-case/);
    expect(refusal('mongodb', 'lock')).toMatch(/unknown series "mongodb": choose one of redis, caching, postgres/);
    expect(refusal('redis', 'lock')).toMatch(/packages\/redis\/lock already exists/);
    expect(existsSync(join(f.root, 'packages/redis/Rate_Limit'))).toBe(false);
  });
});
