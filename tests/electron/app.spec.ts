import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Electron's binary, found the way tools/start.ts finds it (never by loading the electron npm module). */
function electronBinary(): string {
  const dir = join(root, 'node_modules', 'electron');
  const binary = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
  if (!existsSync(binary))
    throw new Error(`Electron's binary is missing at ${binary}; run node node_modules/electron/install.js first.`);
  return binary;
}

test('the real Electron app: secure window, contract API, real PowerShell', async () => {
  // The app reads no environment switch: its data goes where a shipped build keeps it (ProgramData).
  const app = await electron.launch({ executablePath: electronBinary(), args: [root] });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Step 1 of 10: Readiness');
    expect(page.url()).toBe('app://bundle/index.html');

    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]?.webContents;
      const preferences = (
        contents as unknown as { getLastWebPreferences(): Record<string, unknown> }
      ).getLastWebPreferences();
      return {
        contextIsolation: preferences.contextIsolation,
        sandbox: preferences.sandbox,
        nodeIntegration: preferences.nodeIntegration,
      };
    });
    expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });

    // The page sees the contract's API and nothing of Node or Electron.
    const globals = await page.evaluate(() => ({
      hasApi: typeof (window as unknown as { companion?: unknown }).companion === 'object',
      hasRequire: typeof (window as unknown as { require?: unknown }).require,
      hasProcess: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(globals).toEqual({ hasApi: true, hasRequire: 'undefined', hasProcess: 'undefined' });

    // Get-HostIdentity.ps1 ran in the real Windows PowerShell and named this machine.
    await expect(page.getByRole('status').filter({ hasText: process.env.COMPUTERNAME ?? '' })).toBeVisible();
    await expect(page.getByRole('log', { name: 'Activity log' })).toContainText('Checking elevation');

    // Navigation away from app:// is refused.
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://bundle/index.html');
  } finally {
    await app.close();
  }
});
