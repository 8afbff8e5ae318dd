import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source (the "@triage/source" export condition),
// so a test run never depends on a stale dist/.
export default defineConfig({
  resolve: { conditions: ['@triage/source'] },
  ssr: { resolve: { conditions: ['@triage/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
