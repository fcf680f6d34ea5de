import { randomUUID } from 'node:crypto';
import { BrowserWindow, session, type WebContents } from 'electron';
import { CompanionError } from '../core/errors.ts';
import type { SignInWindow } from '../core/ports.ts';
import {
  electronProxyRules,
  loopbackNavigation,
  signInNavigation,
  signInWindowOptions,
  type SignInNavigation,
} from './sign-in-rules.ts';

/** Web contents of open sign-in windows: the one kind the window-wide rules let navigate. */
const signInContents = new WeakSet<WebContents>();

export function isSignInContents(contents: WebContents): boolean {
  return signInContents.has(contents);
}

const cancelled = () =>
  new CompanionError(
    'CANCELLED',
    'The sign-in window was closed before the sign-in finished.',
    'Run the step again and finish the sign-in in the window.',
  );

interface Opened {
  window: BrowserWindow;
  close(): void;
}

/**
 * A sign-in window: a modal child of the app's window with an in-memory session of its own (the
 * companion's outbound proxy, no permissions, no downloads), no preload, sandboxed; where it may
 * go is decided by `navigate` for every navigation and redirect.
 */
async function openSignInWindow(
  parent: BrowserWindow | null,
  url: string,
  proxy: string | undefined,
  navigate: (url: string) => SignInNavigation,
  onFinish: (url: string) => void,
  onGone: (error: CompanionError) => void,
): Promise<Opened> {
  const partition = `sign-in-${randomUUID()}`;
  const own = session.fromPartition(partition);
  own.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  own.setPermissionCheckHandler(() => false);
  own.on('will-download', (event) => event.preventDefault());
  await own.setProxy(
    proxy ? { proxyRules: electronProxyRules(proxy), proxyBypassRules: '<local>' } : { mode: 'system' },
  );
  const window = new BrowserWindow({ ...signInWindowOptions(partition), ...(parent ? { parent, modal: true } : {}) });
  signInContents.add(window.webContents);
  let done = false;
  const close = () => {
    done = true;
    if (!window.isDestroyed()) window.close();
    void own.clearStorageData().catch(() => undefined);
  };
  const guard = (event: { preventDefault(): void }, target: string) => {
    const verdict = navigate(target);
    if (verdict === 'allow') return;
    event.preventDefault();
    if (verdict === 'finish') onFinish(target);
  };
  window.webContents.on('will-navigate', (event) => guard(event, event.url));
  window.webContents.on('will-redirect', (event) => guard(event, event.url));
  window.webContents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && navigate(event.url) === 'block') event.preventDefault();
  });
  window.webContents.on('did-fail-load', (_event, code, description, failedUrl, isMainFrame) => {
    // -3 is ERR_ABORTED: a navigation this window stopped itself (the redirect it caught).
    if (!isMainFrame || code === -3 || done) return;
    onGone(
      new CompanionError(
        'SIGN_IN_FAILED',
        `The sign-in page could not load (${description}, ${new URL(failedUrl).host}).`,
        proxy
          ? `Check that ${proxy} lets this server through to ${new URL(failedUrl).host}, then run the step again.`
          : `Check that this server reaches ${new URL(failedUrl).host} on 443 (Readiness), then run the step again.`,
      ),
    );
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.on('closed', () => {
    if (!done) onGone(cancelled());
    done = true;
  });
  window.loadURL(url).catch(() => undefined);
  return { window, close };
}

/**
 * The Electron host's SignInWindow for the registration token (auth code + PKCE to Microsoft's
 * nativeclient redirect, the path Microsoft's registration sample takes): the redirect is caught
 * before it loads and its address handed to the core.
 */
export function electronSignInWindow(parent: () => BrowserWindow | null): SignInWindow {
  return {
    open({ authorizeUrl, redirectUri, proxy, signal }) {
      return new Promise<string>((resolve, reject) => {
        if (signal?.aborted) return reject(cancelled());
        let opened: Opened | null = null;
        let settled = false;
        const settle = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          outcome();
          opened?.close();
        };
        const onAbort = () => settle(() => reject(cancelled()));
        signal?.addEventListener('abort', onAbort, { once: true });
        openSignInWindow(
          parent(),
          authorizeUrl,
          proxy,
          (url) => signInNavigation(url, redirectUri),
          (url) => settle(() => resolve(url)),
          (error) => settle(() => reject(error)),
        )
          .then((window) => {
            opened = window;
            if (settled) window.close();
          })
          .catch((error: unknown) => settle(() => reject(error)));
      });
    },
  };
}

/**
 * The Graph sign-in with msal-node's loopback: the sign-in pages in a sign-in window rather than
 * a browser started from this elevated process; the one http address it may reach is msal's
 * loopback on this machine, and the window closes once that page has loaded.
 */
export function electronLoopbackSignIn(
  parent: () => BrowserWindow | null,
): (url: string, proxy?: string) => Promise<void> {
  return async (url, proxy) => {
    const loopback = new URL(new URL(url).searchParams.get('redirect_uri') ?? 'http://invalid.invalid');
    if (loopback.protocol !== 'http:' || loopback.hostname !== 'localhost')
      throw new CompanionError(
        'NOT_ALLOWED',
        'The sign-in does not return to this machine.',
        'Use the device code sign-in.',
      );
    const opened = await openSignInWindow(
      parent(),
      url,
      proxy,
      (target) => loopbackNavigation(target, loopback.origin),
      () => undefined,
      () => undefined,
    );
    opened.window.webContents.on('did-finish-load', () => {
      if (opened.window.webContents.getURL().startsWith(`${loopback.origin}/`)) setTimeout(() => opened.close(), 1500);
    });
  };
}
