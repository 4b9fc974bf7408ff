// Pure logic, no servers: the shared config's global setup (which lives in @poc/harness, a package
// that depends on this one) is left out on purpose.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    retry: 0,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
