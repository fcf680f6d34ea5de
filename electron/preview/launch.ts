import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './host.ts';

/** Debian's Chromium: Playwright never downloads a browser here. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const windows = [env.PROGRAMFILES, env['PROGRAMFILES(X86)']].filter(Boolean).map((dir) => `${dir}\\Google\\Chrome\\Application\\chrome.exe`);
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', ...windows].filter((c): c is string => Boolean(c));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('Chromium was not found. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).');
  return found;
}

export interface LaunchedChromium {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

export async function launchChromium(options: { headed: boolean; colorScheme?: 'light' | 'dark' }): Promise<LaunchedChromium> {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    headless: !options.headed,
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  return { browser, context, page };
}
