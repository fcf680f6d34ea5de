import { app, session, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from '../core/runbook/docs.ts';

/**
 * Window-wide rules (security checklist items 5, 12–15): no navigation away from the app,
 * no new windows, no webviews, no permissions; external links only through the allowlist.
 */
export function applySecurityRules(): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export async function openExternalAllowlisted(url: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url)) return false;
  await shell.openExternal(url);
  return true;
}
