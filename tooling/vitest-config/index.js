// Shared Vitest config (plain JS: Node loads it before any TS transform). A package's vitest.config.ts is one line:
// `export { default } from '@poc/vitest-config';`
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The global setup lives in the harness (it is harness logic); resolve it from the package under test,
// which depends on @poc/harness. Keeping this package free of that dependency avoids a cycle.
const globalSetup = createRequire(join(process.cwd(), 'package.json')).resolve('@poc/harness/global-setup');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [globalSetup],
    // Servers are real: connecting, cloning a database or restarting a broker takes longer than a unit test.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Never retry: a flaky integration test is a bug to find, not to hide.
    retry: 0,
    pool: 'forks',
    // The JSON report feeds the closing "N passed, N failed" line of a whole-repo run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
