import { HARDENED_WEB_PREFERENCES } from './window-options.ts';

/**
 * The sign-in window's rules, kept free of `electron` imports so a test can assert them without
 * Electron. The window loads Microsoft's sign-in pages (and a federated tenant's own identity
 * provider), so it gets nothing of the app: no preload, its own in-memory session, sandboxed.
 */
export function signInWindowOptions(partition: string) {
  return {
    width: 520,
    height: 720,
    title: 'Sign in for the connector registration',
    autoHideMenuBar: true,
    show: true,
    webPreferences: {
      // No "persist:" prefix: the session lives in memory and its cookies die with the window.
      partition,
      ...HARDENED_WEB_PREFERENCES,
      devTools: false,
    },
  } as const;
}

export type SignInNavigation = 'finish' | 'allow' | 'block';

/**
 * Where the sign-in window may go: the redirect URI ends the sign-in (and is never loaded);
 * any other https page is a step of the sign-in (Microsoft's, or the tenant's federation
 * server); anything else (http, file, custom schemes) is refused.
 */
function parsed(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function signInNavigation(url: string, redirectUri: string): SignInNavigation {
  const target = parsed(url);
  if (!target) return 'block';
  const redirect = new URL(redirectUri);
  if (target.origin === redirect.origin && target.pathname === redirect.pathname) return 'finish';
  return target.protocol === 'https:' ? 'allow' : 'block';
}

/**
 * The Graph sign-in's window: https sign-in pages, and the one http address of msal-node's
 * loopback server on this machine (where the answer is posted); nothing else.
 */
export function loopbackNavigation(url: string, loopbackOrigin: string): SignInNavigation {
  const target = parsed(url);
  if (!target) return 'block';
  return target.origin === loopbackOrigin || target.protocol === 'https:' ? 'allow' : 'block';
}

/** Electron's proxyRules for the companion's outbound proxy (http://host:port). */
export function electronProxyRules(proxy: string): string {
  const parsed = new URL(proxy);
  return `http=${parsed.host};https=${parsed.host}`;
}
