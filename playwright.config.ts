import { availableParallelism } from 'node:os';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './electron/preview/host.ts';
import { findChromium } from './electron/preview/launch.ts';

/**
 * End-to-end tests in Debian's Chromium through the preview host (tests/e2e). A test waits on
 * what the page shows; the timeouts are backstops for a real hang, far past what a busy 2-core
 * machine takes, never a deadline the test races. One worker per core.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  timeout: 10 * 60_000,
  expect: { timeout: 2 * 60_000 },
  workers: Math.max(1, availableParallelism()),
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
  },
});
