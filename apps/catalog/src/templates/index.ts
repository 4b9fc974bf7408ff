// Every file of a new POC package, from its spec: path → text, formatted as Prettier would write it.
import { behaviourTest, argumentsTest, faultsTest } from './tests.ts';
import { benchTs } from './bench.ts';
import { packageJson } from './package-json.ts';
import { readme } from './readme.ts';
import { demoTs, errorsTs, indexTs, mainTs, naiveTs } from './source.ts';
import type { Spec } from './spec.ts';

export { makeSpec, type Spec } from './spec.ts';
export { KNOWN_SERVICES, harnessVersions, isKnownService } from './services.ts';

export function templateFiles(spec: Spec): Record<string, string> {
  const faults = faultsTest(spec);
  return {
    'package.json': `${JSON.stringify(packageJson(spec), null, 2)}\n`,
    'tsconfig.json': '{ "extends": "@poc/tsconfig/base.json" }\n',
    'eslint.config.js': "export { default } from '@poc/eslint-config';\n",
    'vitest.config.ts': "export { default } from '@poc/vitest-config';\n",
    'README.md': readme(spec),
    'src/errors.ts': errorsTs(spec),
    'src/index.ts': indexTs(spec),
    [`src/${spec.name}.ts`]: mainTs(spec),
    'src/naive.ts': naiveTs(spec),
    'src/demo.ts': demoTs(spec),
    [`test/${spec.name}.test.ts`]: behaviourTest(spec),
    'test/arguments.test.ts': argumentsTest(spec),
    ...(faults ? { 'test/faults.test.ts': faults } : {}),
    [`bench/${spec.name}.bench.ts`]: benchTs(spec),
  };
}
