import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GeneratorError, newPoc, parseServices } from '../src/generator.ts';
import { README_SECTIONS } from '../src/readme.ts';
import { validateWorkspace } from '../src/validate.ts';
import { addPoc, workspace, type Fixture } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.close());

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const lockDir = join(repo, 'packages/redis/lock');
const read = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');
const json = (dir: string, rel: string) => JSON.parse(read(dir, rel)) as Record<string, Record<string, unknown>>;

describe('pnpm poc new', () => {
  it('writes the finished shape: package.json, src on the kit, three test files, a bench, every README section', () => {
    f = workspace();
    const { dir, files } = newPoc(f.root, 'caching', 'write-behind', { services: 'redis,postgres' });
    expect(dir).toBe(join(f.root, 'packages/caching/write-behind'));
    expect(files.sort()).toEqual(
      [
        'README.md',
        'bench/write-behind.bench.ts',
        'eslint.config.js',
        'package.json',
        'src/demo.ts',
        'src/errors.ts',
        'src/index.ts',
        'src/naive.ts',
        'src/write-behind.ts',
        'test/arguments.test.ts',
        'test/faults.test.ts',
        'test/write-behind.test.ts',
        'tsconfig.json',
        'vitest.config.ts',
      ].sort(),
    );
    const pkg = json(dir, 'package.json');
    const lock = json(lockDir, 'package.json');
    const harness = json(join(repo, 'packages/harness'), 'package.json');
    expect(pkg.name).toBe('poc-caching-write-behind');
    expect(Object.keys(pkg.scripts!)).toEqual(Object.keys(lock.scripts!));
    expect(pkg.exports).toEqual({ '.': './src/index.ts', './naive': './src/naive.ts' });
    expect(Object.keys(pkg.poc!).sort()).toEqual(
      Object.keys(lock.poc!)
        .filter((k) => k !== 'number')
        .sort(),
    );
    expect(pkg.poc!.services).toEqual(['redis', 'postgres']);
    // Client libraries at the versions the harness pins (and so the POCs); tools as the POCs pin them.
    expect(pkg.dependencies).toEqual({
      '@poc/kit': 'workspace:*',
      ioredis: harness.dependencies!.ioredis,
      pg: harness.dependencies!.pg,
    });
    expect(pkg.devDependencies!['@types/pg']).toBe(harness.devDependencies!['@types/pg']);
    for (const [dep, version] of Object.entries(pkg.devDependencies!))
      if (dep in lock.devDependencies!) expect(version, dep).toBe(lock.devDependencies![dep]);
    for (const file of ['tsconfig.json', 'eslint.config.js', 'vitest.config.ts'])
      expect(read(dir, file)).toBe(read(lockDir, file));

    const errors = read(dir, 'src/errors.ts');
    expect(errors).toContain('export abstract class WriteBehindError extends PocError {');
    expect(errors).toContain("readonly scope = 'poc-caching-write-behind';");
    expect(errors).toContain(
      "export const isWriteBehindError = errorGuard<AnyWriteBehindError>('poc-caching-write-behind');",
    );
    expect(errors).toMatch(/export const redisCall = serviceCall\(/);
    expect(errors).toMatch(/export const postgresCall = serviceCall\(/);
    expect(read(dir, 'src/index.ts')).not.toContain('naiveWriteBehind'); // behind './naive', not the public index
    expect(read(dir, 'src/write-behind.ts')).toContain(
      'export function writeBehind(redis: Redis, pool: pg.Pool, options: WriteBehindOptions): WriteBehind {',
    );
    expect(read(dir, 'test/write-behind.test.ts')).toMatch(/redisNamespace[\s\S]*postgresDatabase/);
    expect(read(dir, 'test/faults.test.ts')).toMatch(/privateRedis\(\)[\s\S]*privatePostgres\(\)/);

    const readme = read(dir, 'README.md');
    for (const s of README_SECTIONS) expect(readme).toContain(`## ${s.heading}`);
    // The Measured block between the markers refresh-measured rewrites, with no number in it yet.
    expect(readme).toMatch(
      /## Measured\n[^#]*<!-- measured:start -->\n\nNot measured yet: [^\d]*\n\n<!-- measured:end -->/,
    );
    // The placeholders fail until written: never a passing or skipped stand-in.
    for (const test of ['test/write-behind.test.ts', 'test/faults.test.ts']) {
      expect(read(dir, test)).toContain('expect.fail(');
      expect(read(dir, test)).not.toMatch(/\.(skip|todo|only)\b/);
    }
    expect(read(dir, 'src/write-behind.ts')).toContain("throw new Error('not written yet: the pattern");
    expect(read(dir, 'src/naive.ts')).toContain("throw new Error('not written yet: the naive version");
    expect(read(dir, 'bench/write-behind.bench.ts')).toMatch(/await pattern\.run\(\);\s+await naive\.run\(\);/);

    // In progress, not failing: the TODO markers and the missing bench result are `todo`s, nothing is an error.
    const [poc] = validateWorkspace(f.root).pocs;
    expect(poc).toMatchObject({ name: 'poc-caching-write-behind', status: 'in progress' });
    expect(poc!.issues.filter((i) => i.level === 'error')).toEqual([]);
    expect(poc!.issues.map((i) => i.field)).toEqual([
      'description',
      'poc.title',
      'poc.summary',
      'poc.concepts[0]',
      'poc.claim',
      'readme.todo',
      'src.todo',
      'test.todo',
      'bench.todo',
      'bench/results.json',
    ]);
    expect(poc!.issues.find((i) => i.field === 'poc.title')!.message).toBe('still a placeholder: "TODO: Write behind"');
    expect(poc!.issues.find((i) => i.field === 'readme.todo')!.message).toMatch(/^\d+ TODO markers left: lines 1, 3, /);
  });

  it('takes services as a list, drops repeats, and refuses an unknown one naming those the harness provides', () => {
    expect(parseServices(' redis, postgres,redis ,')).toEqual(['redis', 'postgres']);
    expect(parseServices([])).toEqual([]);
    expect(() => parseServices('redis,mongodb,mysql')).toThrow(
      new GeneratorError(
        'unknown services "mongodb", "mysql": the harness provides redis, postgres, rabbitmq, kafka, toxiproxy',
      ),
    );
    f = workspace();
    expect(() => newPoc(f.root, 'caching', 'write-behind', { services: 'memcached' })).toThrow(
      'unknown service "memcached": the harness provides redis, postgres, rabbitmq, kafka, toxiproxy',
    );
    expect(existsSync(join(f.root, 'packages/caching/write-behind'))).toBe(false);
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
    expect(refusal('redis', 'naive')).toMatch(/"naive" would clash with a file every POC has/);
    expect(refusal('redis', 'a'.repeat(41))).toMatch(/is too long: at most 40 characters/);
    expect(existsSync(join(f.root, 'packages/redis/Rate_Limit'))).toBe(false);
  });
});

// --- the generated code, checked by the repo's own tools ---------------------------------------------------
// Generated into the REAL workspace (packages/<series>/<unique name>) so its imports resolve like any POC's:
// its node_modules are symlinks to the copies the harness has installed (the harness depends on every client
// library and tool a POC uses), so no `pnpm install` runs while other work goes on. Removed afterwards.

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  // A vitest run inside this one must not think it is a worker of ours.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const created: string[] = [];
afterAll(() => {
  for (const dir of created.reverse()) rmSync(dir, { recursive: true, force: true });
});

/** Generates a package into the real workspace and links its dependencies; registered for removal first. */
function generateInRepo(series: string, name: string, services: string): string {
  const seriesDir = join(repo, 'packages', series);
  if (!existsSync(seriesDir)) created.push(seriesDir);
  created.push(join(seriesDir, name));
  const { dir } = newPoc(repo, series, name, { services });
  const pkg = json(dir, 'package.json');
  const harnessDir = join(repo, 'packages/harness');
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = dep === '@poc/harness' ? harnessDir : realpathSync(join(harnessDir, 'node_modules', dep));
    mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(target, join(dir, 'node_modules', dep), 'dir');
  }
  return dir;
}

const unique = `zz-gen-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const bin = (dir: string, rel: string): string => join(dir, 'node_modules', rel);
const prettier = join(repo, 'node_modules/prettier/bin/prettier.cjs');

async function checkTools(dir: string): Promise<void> {
  const [tsc, eslint, format] = await Promise.all([
    run(process.execPath, [bin(dir, 'typescript/bin/tsc'), '-p', '.'], dir),
    run(process.execPath, [bin(dir, 'eslint/bin/eslint.js'), '.'], dir),
    run(process.execPath, [prettier, '--check', dir], repo),
  ]);
  expect(tsc.output, 'tsc').toBe('');
  expect(tsc.code, 'tsc').toBe(0);
  expect(eslint.output, 'eslint').toBe('');
  expect(eslint.code, 'eslint').toBe(0);
  expect(format.code, `prettier --check:\n${format.output}`).toBe(0);
}

describe('the generated package', () => {
  it('typechecks, lints and is formatted with every service, and a long name; the catalog shows it in progress', async () => {
    const name = `${unique}-${'x'.repeat(40)}`.slice(0, 40).replace(/-+$/, '');
    const dir = generateInRepo('postgres', name, 'redis,postgres,rabbitmq,kafka,toxiproxy');
    expect(read(dir, 'test/faults.test.ts')).toContain('proxyTo(');
    await checkTools(dir);
    const poc = validateWorkspace(repo).pocs.find((p) => p.name === `poc-postgres-${name}`);
    expect(poc?.status).toBe('in progress');
    expect(poc!.issues.filter((i) => i.level === 'error')).toEqual([]);
  });

  it('typechecks, lints and is formatted with no service at all', async () => {
    const dir = generateInRepo('resilience', `${unique}-none`, '');
    expect(existsSync(join(dir, 'test/faults.test.ts'))).toBe(false);
    await checkTools(dir);
  });

  it('fails its tests honestly against a real Redis: bad input passes, behaviour and faults fail saying what to write', async () => {
    const dir = generateInRepo('redis', `${unique}-redis`, 'redis');
    await checkTools(dir);
    const vitest = bin(dir, 'vitest/vitest.mjs');
    const first = await run(process.execPath, [vitest, 'run'], dir);
    expect(first.code, first.output).not.toBe(0);
    const report = JSON.parse(read(dir, 'test-results/vitest.json')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    // 7 rows of bad input pass against the generated checks; 2 behaviour tests and 1 fault test fail.
    expect(report).toMatchObject({ numPassedTests: 7, numFailedTests: 3, numPendingTests: 0, numTodoTests: 0 });
    expect(first.output).toContain('not written yet: the naive version, execute() in src/naive.ts');
    expect(first.output).toContain(`not written yet: the pattern, execute() in src/${unique}-redis.ts`);

    // Once the pattern runs, the tests still fail: now on their expect.fail, saying what to assert.
    const main = join(dir, `src/${unique}-redis.ts`);
    writeFileSync(
      main,
      read(dir, `src/${unique}-redis.ts`).replace(/throw new Error\('not written yet: the pattern[^;]*;/, ''),
    );
    writeFileSync(
      join(dir, 'src/naive.ts'),
      read(dir, 'src/naive.ts').replace(/throw new Error\('not written yet[^;]*;/, ''),
    );
    const second = await run(process.execPath, [vitest, 'run'], dir);
    expect(second.code, second.output).not.toBe(0);
    expect(second.output).toContain('write this test: assert what run() did, read back from the servers');
    expect(second.output).toContain('write this test: assert that the naive outcome is wrong');
  });
});
