// Shared Vitest config (plain JS: Node loads it before any TS transform). A package's vitest.config.ts is one line:
// `export { default } from '@poc/vitest-config';`
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
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
