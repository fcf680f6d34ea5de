import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './host.ts';

/** Debian's Chromium: Playwright never downloads a browser here. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const windows = [env.PROGRAMFILES, env['PROGRAMFILES(X86)']]
    .filter(Boolean)
    .map((dir) => `${dir}\\Google\\Chrome\\Application\\chrome.exe`);
  const candidates = [
    env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    ...windows,
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error('Chromium was not found. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).');
  return found;
}

export interface LaunchedChromium {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
  /** Called once when the window or the browser goes away. */
  onGone(listener: () => void): void;
}

/**
 * Headed, the window is an app window (Chromium's --app mode: no tabs, no address bar), opened
 * on a blank page the preview host then points at the app; headless, a plain page.
 */
export function chromiumArgs(headed: boolean): string[] {
  // --test-type only hides the "--no-sandbox is unsupported" bar that running as root brings.
  return headed ? [...CHROMIUM_ARGS, '--app=data:text/html,', '--window-size=1280,900', '--test-type'] : CHROMIUM_ARGS;
}

export async function launchChromium(options: {
  headed: boolean;
  colorScheme?: 'light' | 'dark';
}): Promise<LaunchedChromium> {
  if (options.headed) {
    const profile = mkdtempSync(join(tmpdir(), 'ndes-preview-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: findChromium(),
      headless: false,
      args: chromiumArgs(true),
      viewport: null,
      colorScheme: options.colorScheme ?? 'light',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
      onGone: (listener) => context.on('close', listener),
    };
  }
  const browser: Browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: chromiumArgs(false),
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  return {
    context,
    page,
    close: () => browser.close().catch(() => undefined),
    onGone: (listener) => browser.on('disconnected', listener),
  };
}
