import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one PostgreSQL and Redis; each uses its own database / key prefix.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
