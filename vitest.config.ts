import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Tests wait on what they can observe (a line, a state change, a process exit), never on a
 * deadline a slower or busier machine could cross: the timeouts here are backstops that only
 * catch a real hang. One worker per core; the PowerShell runs those workers start are held to
 * one per core as well, by the fake Windows' host itself.
 */
const HANG_BACKSTOP_MS = 10 * 60_000;

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: HANG_BACKSTOP_MS,
    hookTimeout: HANG_BACKSTOP_MS,
    teardownTimeout: HANG_BACKSTOP_MS,
    pool: 'forks',
    maxWorkers: Math.max(1, availableParallelism()),
  },
});
