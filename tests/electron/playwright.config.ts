import { defineConfig } from '@playwright/test';

/**
 * The real Electron end-to-end test. Runs only where Electron's binary exists (the Windows
 * workflow); `npm test` never loads this folder.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/electron',
  timeout: 90_000,
  workers: 1,
  reporter: [['list']],
});
