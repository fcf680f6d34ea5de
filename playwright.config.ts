import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './electron/preview/host.ts';
import { findChromium } from './electron/preview/launch.ts';

/** End-to-end tests in Debian's Chromium through the preview host (tests/e2e). */
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  workers: 2,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
  },
});
