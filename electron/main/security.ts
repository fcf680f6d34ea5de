import { app, session, shell, type WebContents } from 'electron';
import { openLinkDeElevated } from '../platform/open-link.ts';
import { isAllowedExternalUrl } from '../core/runbook/docs.ts';
import { isPermissionGranted } from './window-options.ts';
import { isSignInContents } from './sign-in-window.ts';

/**
 * Window-wide rules (docs/reference/electron.md §2.1, checklist items 5, 12–15): no navigation away from the app
 * (the sign-in window excepted: it may move between https pages until the redirect),
 * no new windows, no webviews, no permissions but clipboard writing; external links only through the allowlist.
 */
export function applySecurityRules(): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    // The sign-in window alone moves between pages, under its own rules (sign-in-window.ts).
    contents.on('will-navigate', (event) => {
      if (!isSignInContents(contents)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isSignInContents(contents)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void openExternalAllowlisted(url);
      return { action: 'deny' };
    });
  });
  // Every permission is refused but clipboard writing for the app's own page (its Copy buttons).
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted(permission, details.requestingUrl, details.isMainFrame)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, origin, details) =>
    isPermissionGranted(permission, details.requestingUrl ?? origin, details.isMainFrame),
  );
}

/**
 * On Windows the app runs elevated, so a link goes to the desktop's own (non-elevated) Explorer
 * (platform/open-link.ts), never shell.openExternal, whose browser would run as administrator.
 */
export async function openExternalAllowlisted(url: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url)) return false;
  if (process.platform === 'win32') return openLinkDeElevated(url);
  await shell.openExternal(url);
  return true;
}
