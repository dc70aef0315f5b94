import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; end-to-end tests in test/ start real processes on real databases.
// `@agent-mesh/source` resolves workspace packages to their TypeScript sources, so unit tests need no
// build. It is namespaced because Vitest also passes it to Node, and some dependencies publish raw .ts
// under a plain `source` condition.
export default defineConfig({
  resolve: { conditions: ['@agent-mesh/source'] },
  ssr: { resolve: { conditions: ['@agent-mesh/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/gateway/web/src/**/*.test.ts',
            'bench/src/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // In CI a JSON report as well, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test/artifacts/vitest-results.json' }]]
      : ['default'],
  },
});
