import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Every test file scans what the action printed for the secrets the simulators issued or accepted.
    setupFiles: ['__tests__/reliability/leak-guard.ts', '__tests__/setup-yaml.ts'],
    // Limits that only catch hangs: the tests' own condition waits give up after 60 s with a clear message first.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests start simulators and child processes: two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
