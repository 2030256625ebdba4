import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real brokers, daemons and pipelines: two cores, so keep the parallelism modest.
    maxWorkers: 2,
    env: { UV_THREADPOOL_SIZE: '16' },
  },
});
