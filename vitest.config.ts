import { defineConfig } from 'vitest/config';

/**
 * One runner for the whole repository. Integration tests talk to the real Postgres and Redis named
 * by DATABASE_URL / REDIS_URL (default: the local servers); each file makes its own throw-away
 * database, so files run in parallel.
 */
export default defineConfig({
  test: {
    include: ['{shared,server,agent,desktop}/test/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]],
  },
});
