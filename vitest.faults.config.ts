import { defineConfig } from 'vitest/config';

// `npm run test:faults` (after `npm run build`): the multi-replica fault suite, on its own because it
// starts several servers of the production build and takes minutes.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
