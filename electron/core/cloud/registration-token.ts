import {
  CryptoProvider,
  PublicClientApplication,
  type AuthenticationResult,
  type INetworkModule,
  type NetworkRequestOptions,
} from '@azure/msal-node';
import { CompanionError } from '../errors.ts';
import type { CloudProfile } from './clouds.ts';
import type { SignInWindow } from '../ports.ts';

/**
 * A token for the connector registration service, from a sign-in made for it (docs/reference/domain.md §2.1):
 * the connector's own public client and the registration service's scope, the values of
 * Microsoft's token-registration sample. The token lives in this process only: MSAL's cache here
 * is in memory and dropped with the call, so nothing of it reaches the disk.
 */
export const CONNECTOR_CLIENT_ID = '55747057-9b5d-4bd4-b387-abf52a8bd489';

/** The registration service's scope per cloud; documented for the global cloud only. */
export function registrationScope(cloud: CloudProfile): string | null {
  return cloud.name === 'global' ? 'https://proxy.cloudwebappproxy.net/registerapp/user_impersonation' : null;
}

/** MSAL.NET's default redirect on .NET Framework, the one the sample's PowerShell 5.1 path uses. */
export function nativeClientRedirect(cloud: CloudProfile): string {
  return `https://${cloud.authorityHost}/common/oauth2/nativeclient`;
}

/** How the admin signs in for the registration token. */
export type RegistrationSignInMethod = 'window' | 'device-code';

export interface RegistrationTokenOptions {
  cloud: CloudProfile;
  /** The tenant the connector is registered to: the sign-in is made in that tenant only. */
  tenantId: string;
  network: INetworkModule;
  /** The proxy that network goes through: the sign-in window goes the same way. */
  proxy?: string;
  method: RegistrationSignInMethod;
  window?: SignInWindow;
  onDeviceCode?: (prompt: { userCode: string; verificationUri: string; expiresInSeconds: number }) => void;
  signal?: AbortSignal;
}

export interface RegistrationToken {
  accessToken: string;
  tenantId: string;
  username: string;
}

function explain(text: string, method: RegistrationSignInMethod): CompanionError {
  if (/AADSTS50011/.test(text))
    return new CompanionError(
      'SIGN_IN_FAILED',
      "Microsoft Entra ID refused the redirect address for the connector's registration client.",
      "Use the sign-in window (the default), or register by hand with the connector's own Register-MicrosoftEntraPrivateNetworkConnector.",
    );
  if (/AADSTS7000218|AADSTS700016|invalid_client|unauthorized_client/.test(text) && method === 'device-code') {
    return new CompanionError(
      'SIGN_IN_FAILED',
      "The connector's registration client does not accept a device code in this tenant (that it would is not documented).",
      "Choose the sign-in window instead, or register by hand with the connector's own Register-MicrosoftEntraPrivateNetworkConnector.",
    );
  }
  if (/AADSTS65001|consent_required/.test(text))
    return new CompanionError(
      'SIGN_IN_FAILED',
      'Consent for the connector registration service was not given.',
      'Sign in with an Application Administrator or Global Administrator and accept the consent prompt.',
    );
  if (/AADSTS50020/.test(text))
    return new CompanionError(
      'SIGN_IN_FAILED',
      'This account does not exist in the tenant the connector is to be registered to.',
      'Sign in with an account of that tenant itself.',
    );
  if (/access_denied|AADSTS65004/.test(text))
    return new CompanionError(
      'SIGN_IN_FAILED',
      'The sign-in was declined.',
      'Sign in again and accept, or register by hand.',
    );
  if (/cancel/i.test(text))
    return new CompanionError(
      'CANCELLED',
      'The sign-in for the registration token was cancelled.',
      'Run the step again when ready.',
    );
  return new CompanionError(
    'SIGN_IN_FAILED',
    `The sign-in for the registration token failed: ${text.split(/\r?\n/)[0]?.slice(0, 300) ?? 'unknown error'}`,
    'Check this server reaches login.microsoftonline.com (Readiness), then run the step again.',
  );
}

/** Reads the code from the address the sign-in ended on: the redirect URI itself, with our state. */
export function codeFromRedirect(ended: string, redirectUri: string, state: string): string {
  let url: URL;
  try {
    url = new URL(ended.trim());
  } catch {
    throw new CompanionError(
      'INVALID_REQUEST',
      'That is not the address the sign-in ended on.',
      `Copy the whole address of the blank page the sign-in ends on; it starts with ${redirectUri}?code=`,
    );
  }
  const expected = new URL(redirectUri);
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) {
    throw new CompanionError(
      'INVALID_REQUEST',
      `The sign-in ended on ${url.origin}${url.pathname}, not on ${redirectUri}.`,
      `Copy the address of the blank page the sign-in ends on; it starts with ${redirectUri}?code=`,
    );
  }
  // Entra ID answers in the query by default; a fragment is read too, for hosts that keep it.
  const params = new URLSearchParams(url.search || url.hash.replace(/^#/, ''));
  const error = params.get('error');
  if (error) throw explain(`${error}: ${params.get('error_description') ?? ''}`, 'window');
  if (params.get('state') !== state)
    throw new CompanionError(
      'SIGN_IN_FAILED',
      'The sign-in answer belongs to another sign-in (its state does not match).',
      'Start the step again and use the address from this sign-in only.',
    );
  const code = params.get('code');
  if (!code)
    throw new CompanionError(
      'INVALID_REQUEST',
      'The address holds no sign-in code.',
      `Copy the whole address; it starts with ${redirectUri}?code=`,
    );
  return code;
}

/**
 * Why the companion does not register a connector in this cloud, or null when it does. Microsoft
 * documents token registration (RegisterConnector.ps1, the registration service's scope) for the
 * global cloud only; for US Government only the installer's ENVIRONMENTNAME="AzureUSGovernment",
 * and no registration parameter (docs/reference/connector-clouds.md). A token handed to
 * RegisterConnector.ps1 would go to the global service.
 */
export function registrationUnavailable(cloud: CloudProfile): CompanionError | null {
  if (registrationScope(cloud)) return null;
  const installer = cloud.connectorEnvironment ? ` ENVIRONMENTNAME="${cloud.connectorEnvironment}"` : '';
  return new CompanionError(
    'NOT_AVAILABLE',
    `The companion registers connectors in the global cloud only: Microsoft documents no way to point RegisterConnector.ps1 at ${cloud.label}'s registration service, so nothing was run and no token was used.`,
    `Register with the connector's own setup on this server: run MicrosoftEntraPrivateNetworkConnectorInstaller.exe${installer} without /q and without REGISTERCONNECTOR="false", sign in when it asks, then Verify this step.`,
  );
}

/** The registration token, by the sign-in window (auth code + PKCE to nativeclient) or a device code. */
export async function acquireRegistrationToken(options: RegistrationTokenOptions): Promise<RegistrationToken> {
  const unavailable = registrationUnavailable(options.cloud);
  if (unavailable) throw unavailable;
  const scope = registrationScope(options.cloud) ?? '';
  // The last AADSTS description Entra ID sent: MSAL keeps only the error code.
  let refused = '';
  const network: INetworkModule = {
    sendGetRequestAsync: <T>(url: string, request?: NetworkRequestOptions, timeout?: number) =>
      options.network.sendGetRequestAsync<T>(url, request, timeout),
    sendPostRequestAsync: async <T>(url: string, request?: NetworkRequestOptions) => {
      const response = await options.network.sendPostRequestAsync<T>(url, request);
      const body = response.body as { error?: unknown; error_description?: unknown } | undefined;
      if (!refused && body && typeof body.error === 'string' && body.error !== 'authorization_pending')
        refused = `${body.error}: ${typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : ''}`;
      return response;
    },
  };
  const app = new PublicClientApplication({
    auth: { clientId: CONNECTOR_CLIENT_ID, authority: `https://${options.cloud.authorityHost}/${options.tenantId}` },
    system: { networkClient: network },
  });
  let result: AuthenticationResult | null;
  try {
    if (options.method === 'device-code') {
      const request = {
        scopes: [scope],
        cancel: false,
        deviceCodeCallback: (response: { userCode: string; verificationUri: string; expiresIn: number }) =>
          options.onDeviceCode?.({
            userCode: response.userCode,
            verificationUri: response.verificationUri,
            expiresInSeconds: response.expiresIn,
          }),
      };
      const onAbort = () => {
        request.cancel = true;
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        result = await app.acquireTokenByDeviceCode(request);
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
    } else {
      if (!options.window)
        throw new CompanionError(
          'NOT_AVAILABLE',
          'This host has no sign-in window.',
          'Use the app on the server, or the CLI: ndes-companion register --tenant-id <guid> (it prints the sign-in address and takes back the address the sign-in ends on).',
        );
      const crypto = new CryptoProvider();
      const pkce = await crypto.generatePkceCodes();
      const state = crypto.createNewGuid();
      const redirectUri = nativeClientRedirect(options.cloud);
      const authorizeUrl = await app.getAuthCodeUrl({
        scopes: [scope],
        redirectUri,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
        state,
        prompt: 'select_account',
      });
      const ended = await options.window.open({
        authorizeUrl,
        redirectUri,
        ...(options.proxy ? { proxy: options.proxy } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const code = codeFromRedirect(ended, redirectUri, state);
      result = await app.acquireTokenByCode({ code, redirectUri, scopes: [scope], codeVerifier: pkce.verifier });
    }
  } catch (error) {
    if (error instanceof CompanionError) throw error;
    const text = `${error instanceof Error ? error.message : String(error)} ${(error as { errorCode?: string }).errorCode ?? ''} ${refused}`;
    throw explain(text, options.method);
  }
  if (!result?.accessToken || !result.tenantId)
    throw new CompanionError(
      'SIGN_IN_FAILED',
      'Authentication result, token or tenant id returned are null.',
      'Sign in again.',
    );
  if (result.tenantId.toLowerCase() !== options.tenantId.toLowerCase()) {
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `The sign-in was made in tenant ${result.tenantId}, not ${options.tenantId}.`,
      'Sign in with an account of the tenant the connector is to serve.',
    );
  }
  // MSAL's home account id is <object id>.<home tenant id>: a guest's home is another tenant.
  const home = result.account?.homeAccountId.split('.')[1]?.toLowerCase();
  if (home && home !== options.tenantId.toLowerCase()) {
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `${result.account?.username || 'This account'} is a guest in tenant ${options.tenantId}; its home tenant is ${home}. A guest registers the connector to its home tenant, not to this one.`,
      `Sign in with an account of tenant ${options.tenantId} itself (a member, Application Administrator or Global Administrator).`,
    );
  }
  return { accessToken: result.accessToken, tenantId: result.tenantId, username: result.account?.username ?? '' };
}
