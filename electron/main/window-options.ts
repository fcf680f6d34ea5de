/**
 * The one BrowserWindow configuration (docs/reference/electron.md §2.1, checklist items 2–4, 6, 8–11). Kept free of
 * `electron` imports so a test can assert it without Electron.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'bundle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * The one permission the page is granted: writing text to the clipboard (its Copy buttons), asked
 * by the app's own main frame. Chromium asks for it on every navigator.clipboard.writeText.
 */
export function isPermissionGranted(
  permission: string,
  requestingUrl: string | undefined,
  isMainFrame: boolean,
): boolean {
  if (permission !== 'clipboard-sanitized-write' || !isMainFrame || !requestingUrl) return false;
  try {
    const url = new URL(requestingUrl);
    // app: is not a special scheme to the URL parser, so its origin reads "null": compare the parts.
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** What every window of the app gets, the sign-in window included (docs/reference/electron.md §2.1, checklist items 2–4, 6, 8–11). */
export const HARDENED_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/** DevTools only in a build run from the repository (`packaged` false), never by a switch in a shipped one. */
export function windowOptions(preloadPath: string, packaged = true) {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 640,
    show: false,
    title: 'NDES Proxy Companion',
    backgroundColor: '#1b1b1f',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      ...HARDENED_WEB_PREFERENCES,
      devTools: !packaged,
    },
  } as const;
}
