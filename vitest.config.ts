import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on the production build: `npm run test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one PostgreSQL and Redis; each uses its own database / key prefix.
    pool: 'forks',
    fileParallelism: true,
    // Three on two cores: most of the suite's time is waiting (a killed replica's lease to expire, a
    // child process, Slack's pacing), not computing — at two workers a quiet run kept the load at
    // ~2; at three the run took 419 s instead of 565 s and the load stayed at ~2.6.
    maxWorkers: 3,
    // Files share their worker process instead of each booting one: one process, one module graph
    // and the same embedded stores (test/support/store-pool.ts, reset between borrowers) per worker
    // for the whole run. Tests leave no state behind them: what they change in process.env they
    // put back, every server and app they start they close.
    isolate: false,
  },
});
