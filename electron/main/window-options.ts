/**
 * The one BrowserWindow configuration (security checklist items 2–4, 6, 8–11). Kept free of
 * `electron` imports so a test can assert it without Electron.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'bundle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

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
      devTools: !packaged,
    },
  } as const;
}
