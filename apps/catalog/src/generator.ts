// `pnpm poc new <series> <name>`: a new POC package in the standard shape. Metadata is valid but
// visibly to be edited (TODO), the README has every §5 heading, and the test and bench FAIL until they
// are written, so a generated package can never pass for a finished one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { workspacePackageDirs } from '@poc/harness/workspace';
import { KEBAB, SERIES } from './schema.ts';

export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

/** Versions pinned by this package (the same the POCs pin), so generated packages stay in step. */
const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const DEV_DEPENDENCIES = [
  '@poc/eslint-config',
  '@poc/harness',
  '@poc/tsconfig',
  '@poc/vitest-config',
  '@types/node',
  'eslint',
  'tsx',
  'typescript',
  'vitest',
];

const titleCase = (kebab: string): string =>
  kebab
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

export function packageJson(series: string, name: string): Record<string, unknown> {
  const pkg = `poc-${series}-${name}`;
  return {
    name: pkg,
    version: '0.0.0',
    private: true,
    type: 'module',
    description: `TODO: one sentence on what ${pkg} shows.`,
    exports: { '.': './src/index.ts' },
    scripts: {
      typecheck: 'tsc -p .',
      lint: 'eslint .',
      test: 'vitest run',
      bench: `tsx bench/${name}.bench.ts`,
      demo: 'tsx src/demo.ts',
    },
    poc: {
      title: `TODO: ${titleCase(series)} ${titleCase(name).toLowerCase()}`,
      series,
      summary: 'TODO: one sentence saying what this POC demonstrates against a real server.',
      services: [],
      concepts: ['todo'],
      related: [],
      claim: "TODO: the roadmap's claim, in words, that the bench measures",
    },
    dependencies: {},
    devDependencies: Object.fromEntries(DEV_DEPENDENCIES.map((d) => [d, own.devDependencies[d]!])),
  };
}

function readme(series: string, name: string): string {
  const pkg = `poc-${series}-${name}`;
  return `# TODO: ${titleCase(name)}

**What you'll build:** TODO: one sentence.

## Why this matters

TODO: the production problem, and where real systems use this pattern.

## Run it

\`\`\`sh
pnpm poc ${series}-${name}            # the demo, servers started for you
pnpm poc ${series}-${name} --test     # its integration tests against real servers
pnpm poc ${series}-${name} --bench    # its benchmark; writes bench/results.json
\`\`\`

## Expected output

\`\`\`text
TODO: paste real output of \`pnpm --filter ${pkg} demo\`.
\`\`\`

## How it works

TODO: the key idea, with the essential code taken from \`src/\` and a Mermaid diagram where a picture helps.

## Break it

TODO: how to make it fail on purpose (the naive version), and what you will see.

## Measured

TODO: quote \`bench/results.json\` (ratio, parameters, machine, date). Never copy a claimed number.

## Trade-offs

TODO: costs, and when not to use it.

Production checklist:

- [ ] TODO

## Extend it

- TODO

## How it fits larger systems

- TODO

## Related POCs

- TODO: links to packages, e.g. [poc-redis-lock](../../redis/lock).
`;
}

function files(series: string, name: string): Record<string, string> {
  const pkg = `poc-${series}-${name}`;
  return {
    'package.json': `${JSON.stringify(packageJson(series, name), null, 2)}\n`,
    'tsconfig.json': '{ "extends": "@poc/tsconfig/base.json" }\n',
    'eslint.config.js': "export { default } from '@poc/eslint-config';\n",
    'vitest.config.ts': "export { default } from '@poc/vitest-config';\n",
    'README.md': readme(series, name),
    'src/index.ts': `// ${pkg}: the composable API. Export factory functions or classes that take their clients
// (ioredis, pg, ...), options and, where time matters, a clock. No connection at import, no process.exit.
export class NotImplementedError extends Error {
  override readonly name = 'NotImplementedError';
}

export function notImplemented(what: string): never {
  throw new NotImplementedError(\`${pkg}: \${what} is not implemented yet\`);
}
`,
    'src/demo.ts': `// pnpm --filter ${pkg} demo: the scenario against real services (serverFor() from '@poc/harness'),
// printing what the README's "Expected output" shows.
import { notImplemented } from './index.ts';

notImplemented('the demo');
`,
    [`test/${name}.test.ts`]: `// Behaviour against a real server (POC_STANDARD.md §3). This test fails until it is written.
import { describe, expect, it } from 'vitest';

describe('${pkg}', () => {
  it('does what the README promises, against a real server', () => {
    expect.fail('write the behaviour tests: the pattern under contention, the "break it" case with the naive version, bad input (POC_STANDARD.md §3)');
  });
});
`,
    [`bench/${name}.bench.ts`]: `// pnpm --filter ${pkg} bench: the claim as a ratio, naive vs pattern in one process
// (compareThroughput / compareLoad, then benchReport(...).finish(headline) writes bench/results.json).
export {};

throw new Error('not implemented: measure the claim (POC_STANDARD.md §4), then write bench/results.json with benchReport()');
`,
  };
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
  const dir = join(root, 'packages', series, name);
  const pkg = `poc-${series}-${name}`;
  if (existsSync(dir)) throw new GeneratorError(`packages/${series}/${name} already exists: choose another name`);
  for (const d of workspacePackageDirs(root)) {
    const existing = (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name;
    if (existing === pkg) throw new GeneratorError(`a package named ${pkg} already exists (${d}): choose another name`);
  }
  return dir;
}

/** Writes the package; returns its folder and the files written (relative). */
export function newPoc(root: string, series: string, name: string): { dir: string; files: string[] } {
  const dir = checkNewPoc(root, series, name);
  const written: string[] = [];
  for (const [rel, text] of Object.entries(files(series, name))) {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text, { flag: 'wx' });
    written.push(rel);
  }
  return { dir, files: written };
}
