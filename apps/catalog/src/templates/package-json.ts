// package.json of a new POC: the same scripts, exports and devDependencies as the finished POCs, its
// services' client libraries at the versions the harness pins, and a `poc` block that validates but says
// TODO wherever a person must write something (the catalog shows the package as in progress until then).
import { readFileSync } from 'node:fs';
import type { Spec } from './spec.ts';

/** The catalog pins the same tool versions as the POCs, so generated packages stay in step with it. */
const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
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

const sorted = (entries: Array<[string, string]>): Record<string, string> =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Throws when the harness does not pin a client library (the generator reports it). */
export function packageJson(spec: Spec): Record<string, unknown> {
  const version = (dep: string): string => {
    const v = spec.versions[dep];
    if (!v) throw new Error(`@poc/harness pins no version of ${dep}: add it to packages/harness/package.json first`);
    return v;
  };
  return {
    name: spec.pkg,
    version: '0.0.0',
    private: true,
    type: 'module',
    description: `TODO: one sentence on what ${spec.pkg} shows.`,
    exports: { '.': './src/index.ts', './naive': './src/naive.ts' },
    scripts: {
      typecheck: 'tsc -p .',
      lint: 'eslint .',
      test: 'vitest run',
      bench: `tsx bench/${spec.name}.bench.ts`,
      demo: 'tsx src/demo.ts',
    },
    poc: {
      title: `TODO: ${spec.title}`,
      series: spec.series,
      summary: 'TODO: one sentence saying what this POC demonstrates against a real server.',
      services: [...spec.services],
      concepts: ['todo'],
      related: [],
      claim: "TODO: the roadmap's claim, in words, that the bench measures",
    },
    dependencies: {
      '@poc/kit': 'workspace:*',
      ...sorted(spec.clients.map((c) => [c.dependency, version(c.dependency)])),
    },
    devDependencies: sorted([
      ...DEV_DEPENDENCIES.map((d): [string, string] => [d, own.devDependencies[d]!]),
      ...spec.clients.flatMap((c): Array<[string, string]> => (c.types ? [[c.types, version(c.types)]] : [])),
    ]),
  };
}
