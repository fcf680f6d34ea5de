import { chromium, type Browser, type Page } from 'playwright-core';
import { CompanionError } from '../core/errors.ts';
import type { SignInWindow } from '../core/ports.ts';
import { CHROMIUM_ARGS } from './host.ts';
import { findChromium } from './launch.ts';

export interface PreviewSignInOptions {
  headed: boolean;
  /**
   * How this browser reaches the sign-in host: the lab hands in its proxy and accepts its own CA
   * (the preview host is never packaged); npm start passes nothing and the system's are used.
   */
  proxyServer?: string;
  acceptLabCertificates?: boolean;
  /** Told when the sign-in page opens: for the lab, whose tests act as the admin in it. */
  onPage?: (page: Page) => void;
}

/**
 * A browser sends localhost past its proxy; Playwright, for testing, sends it through unless told
 * otherwise, which would take the loopback sign-in's answer away from this machine.
 */
const LOOPBACK = 'localhost,127.0.0.1';

/** A Chromium of its own for a sign-in, through the lab's proxy or the companion's, loopback always direct. */
function launchSignInBrowser(options: PreviewSignInOptions, proxy: string | undefined): Promise<Browser> {
  const server = options.proxyServer ?? proxy;
  return chromium.launch({
    executablePath: findChromium(),
    headless: !options.headed,
    args: options.headed ? [...CHROMIUM_ARGS, '--test-type'] : CHROMIUM_ARGS,
    ...(server ? { proxy: { server, bypass: LOOPBACK } } : {}),
  });
}

const cancelled = () =>
  new CompanionError(
    'CANCELLED',
    'The sign-in window was closed before the sign-in finished.',
    'Run the step again and finish the sign-in in the window.',
  );

/**
 * The preview host's sign-in window: a browser of its own (no cookies, routes or bindings shared
 * with the app's page), pointed at the authorize URL; the first navigation to the redirect URI
 * ends it, and that address is handed back without the page loading it.
 */
export function previewSignInWindow(options: PreviewSignInOptions): SignInWindow {
  return {
    async open({ authorizeUrl, redirectUri, proxy, signal }) {
      if (signal?.aborted) throw cancelled();
      const browser = await launchSignInBrowser(options, proxy);
      try {
        const context = await browser.newContext({
          ...(options.acceptLabCertificates ? { ignoreHTTPSErrors: true } : {}),
          viewport: { width: 520, height: 720 },
        });
        const page = await context.newPage();
        const ended = new Promise<string>((resolve, reject) => {
          page.on('request', (request) => {
            if (
              request.isNavigationRequest() &&
              request.frame() === page.mainFrame() &&
              request.url().startsWith(`${redirectUri}?`)
            )
              resolve(request.url());
          });
          page.on('close', () => reject(cancelled()));
          browser.on('disconnected', () => reject(cancelled()));
          signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
        });
        options.onPage?.(page);
        await page.goto(authorizeUrl).catch(() => undefined);
        return await ended;
      } finally {
        await browser.close().catch(() => undefined);
      }
    },
  };
}

/**
 * The preview host's "system browser" for the loopback sign-in: a browser of its own opened at
 * the sign-in address; msal-node's loopback server takes the answer, and the browser closes
 * once the page it is sent back to (http://localhost) has loaded, or after fifteen minutes.
 */
export function previewSystemBrowser(options: PreviewSignInOptions): (url: string, proxy?: string) => Promise<void> {
  return async (url, proxy) => {
    const browser = await launchSignInBrowser(options, proxy);
    const close = () => void browser.close().catch(() => undefined);
    const timer = setTimeout(close, 15 * 60_000);
    timer.unref();
    const context = await browser.newContext({
      ...(options.acceptLabCertificates ? { ignoreHTTPSErrors: true } : {}),
      viewport: { width: 520, height: 720 },
    });
    const page = await context.newPage();
    page.on('load', () => {
      if (page.url().startsWith('http://localhost:')) close();
    });
    page.on('close', close);
    options.onPage?.(page);
    await page.goto(url).catch(() => undefined);
  };
}
