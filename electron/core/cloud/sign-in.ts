import { join } from 'node:path';
import {
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type DeviceCodeRequest,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { CompanionError } from '../errors.ts';
import type { CloudProfile } from './clouds.ts';
import { protectedTokenCache, type TokenCache } from './token-cache.ts';
import { createStateStore, type StateStore } from '../store/state-store.ts';

/**
 * The Graph client id by default: Microsoft Graph Command Line Tools, Microsoft's own public
 * client (the one Microsoft Graph PowerShell signs in with). It needs no app registration, but
 * an administrator must consent to the Graph permissions below for it once; a tenant that
 * prefers its own registered public client gives that client id instead (docs/cli.md).
 */
export const DEFAULT_GRAPH_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

/** Delegated Graph permissions the steps use (reference docs/reference/domain.md §5 and §7). */
export const GRAPH_PERMISSIONS = [
  'Application.ReadWrite.All',
  'OnPremisesPublishingProfiles.ReadWrite.All',
  'Directory.Read.All',
  'Organization.Read.All',
  'RoleEligibilitySchedule.Read.Directory',
  'DeviceManagementConfiguration.ReadWrite.All',
] as const;

export function graphScopes(cloud: CloudProfile): string[] {
  // A national cloud's scopes name its own Graph host (Microsoft Graph SDKs, national clouds).
  return GRAPH_PERMISSIONS.map((permission) => `${cloud.graph}/${permission}`);
}

export interface SignedIn {
  username: string;
  name: string;
  tenantId: string;
  cloud: CloudProfile['name'];
}

export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  message: string;
  expiresInSeconds: number;
}

export interface SignInOptions {
  cloud: CloudProfile;
  dataDir: string;
  /** MSAL's network module, through the proxy given (or directly). */
  network: (proxy?: string) => INetworkModule;
  /** Tenant id or domain; "organizations" (any work account) when not given. */
  tenant?: string;
  clientId?: string;
  /** An outbound proxy (http://host:port) the cloud calls go through; remembered with the sign-in. */
  proxy?: string;
}

/** AADSTS codes an admin meets at sign-in (reference docs/reference/domain.md §9), in people's words. */
const KNOWN: { code: string; message: string; remedy: string }[] = [
  {
    code: 'AADSTS50059',
    message:
      'The sign-in did not say which tenant it is for (a personal Microsoft account, or an account outside the tenant).',
    remedy: 'Sign in as admin@<your tenant domain>, or give the tenant (--tenant).',
  },
  {
    code: 'AADSTS65001',
    message: 'An administrator has not consented to the permissions the companion asks for.',
    remedy:
      'Have a Global Administrator (or Privileged Role Administrator) sign in once and consent for the organisation, or use your own registered client id.',
  },
  {
    code: 'AADSTS700016',
    message: 'The client id is not known in this tenant.',
    remedy: 'Check the client id, and that its app registration exists in the tenant you sign in to.',
  },
  {
    code: 'AADSTS50020',
    message: 'This account is not a member of the tenant.',
    remedy: 'Sign in with an account of the tenant itself, not a guest.',
  },
  {
    code: 'AADSTS50076',
    message: 'Multi-factor authentication is required and was not completed.',
    remedy: 'Sign in again and complete the MFA prompt.',
  },
  {
    code: 'AADSTS70020',
    message: 'The sign-in code expired before it was used.',
    remedy: 'Start the sign-in again and enter the new code within 15 minutes.',
  },
];

/** Microsoft Entra ID could not be reached at all: said with what failed on the way. */
function unreachable(what: string): CompanionError {
  if (/answered 407/.test(what))
    return new CompanionError(
      'SIGN_IN_FAILED',
      `Microsoft Entra ID could not be reached: ${what}`,
      'Let this server through the proxy without credentials for login.microsoftonline.com and graph.microsoft.com, or sign in without the proxy.',
    );
  return new CompanionError(
    'SIGN_IN_FAILED',
    `Microsoft Entra ID could not be reached: ${what}`,
    'Check this server reaches login.microsoftonline.com on 443 (Readiness), directly or through the proxy given, then sign in again.',
  );
}

function explain(error: unknown, lastServerError?: string): CompanionError {
  const text = `${error instanceof Error ? `${error.message} ${(error as { errorCode?: string }).errorCode ?? ''}` : String(error)} ${lastServerError ?? ''}`;
  for (const known of KNOWN)
    if (text.includes(known.code)) return new CompanionError('SIGN_IN_FAILED', known.message, known.remedy);
  if (/device_code_polling_cancelled|cancel/i.test(text))
    return new CompanionError('CANCELLED', 'The sign-in was cancelled.', 'Sign in again when ready.');
  if (/slow_down/.test(text))
    return new CompanionError(
      'SIGN_IN_FAILED',
      'Microsoft Entra ID asked the companion to poll more slowly, which the sign-in library does not do.',
      'Start the sign-in again.',
    );
  // MSAL's own text names no secret; it is cut to its first line.
  return new CompanionError(
    'SIGN_IN_FAILED',
    `The sign-in failed: ${text.split(/\r?\n/)[0]?.slice(0, 300) ?? 'unknown error'}`,
    'Check this server reaches login.microsoftonline.com (Readiness), then sign in again.',
  );
}

/**
 * Signing in with @azure/msal-node as a public client, its token cache in the data folder. Tokens
 * stay in this process: callers get a token only to send it to Microsoft, and never in an event,
 * the journal, a log or a window.
 */
/** Who signed in, with which client, in which tenant: not secret, kept beside the cache. */
interface SignInRecord {
  homeAccountId: string;
  tenantId: string;
  clientId: string;
  proxy?: string;
}

export class SignIn {
  private readonly app: PublicClientApplication;
  private readonly cache: TokenCache;
  private readonly records: StateStore<SignInRecord | null>;
  private readonly record: SignInRecord | null;
  private readonly clientId: string;
  /** MSAL keeps only the error code of a refused request; its AADSTS description is kept here. */
  private lastServerError: string | undefined;
  private lastNetworkError: string | undefined;

  constructor(private readonly options: SignInOptions) {
    this.cache = protectedTokenCache(join(options.dataDir, `msal-cache-${options.cloud.name}.json`));
    this.records = createStateStore(
      join(options.dataDir, `sign-in-${options.cloud.name}.json`),
      () => null,
      parseRecord,
    );
    this.record = this.records.read();
    // Later commands use the client and tenant the admin signed in with, not the defaults.
    this.clientId = options.clientId ?? this.record?.clientId ?? DEFAULT_GRAPH_CLIENT_ID;
    this.proxy = options.proxy ?? this.record?.proxy;
    const tenant = options.tenant?.trim() || this.record?.tenantId || 'organizations';
    this.app = new PublicClientApplication({
      auth: { clientId: this.clientId, authority: `https://${options.cloud.authorityHost}/${tenant}` },
      cache: { cachePlugin: this.cache },
      system: { networkClient: this.watching(options.network(this.proxy)) },
    });
  }

  /** The outbound proxy this sign-in's calls go through, if any. */
  readonly proxy: string | undefined;

  get cloud(): CloudProfile {
    return this.options.cloud;
  }

  /** The account this sign-in is about: the one recorded at login, with the same client. */
  private async account(): Promise<AccountInfo | null> {
    if (!this.record || this.record.clientId !== this.clientId) return null;
    return (await this.app.getTokenCache().getAccountByHomeId(this.record.homeAccountId)) ?? null;
  }

  /** The network module, noting the error description of a refused request (never a token). */
  private watching(network: INetworkModule): INetworkModule {
    const note = <T>(response: NetworkResponse<T>): NetworkResponse<T> => {
      const body = response.body as { error?: unknown; error_description?: unknown } | undefined;
      if (body && typeof body.error === 'string' && body.error !== 'authorization_pending')
        this.lastServerError = `${body.error}: ${typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : ''}`;
      return response;
    };
    // MSAL reports a failed connection as a bare network_error; what failed is kept here.
    const failed = (error: unknown): never => {
      this.lastNetworkError = error instanceof Error ? error.message : String(error);
      throw error;
    };
    return {
      sendGetRequestAsync: async <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
        note(await network.sendGetRequestAsync<T>(url, options, timeout).catch(failed)),
      sendPostRequestAsync: async <T>(url: string, options?: NetworkRequestOptions) =>
        note(await network.sendPostRequestAsync<T>(url, options).catch(failed)),
    };
  }

  private summary(account: AccountInfo): SignedIn {
    return {
      username: account.username,
      name: account.name ?? account.username,
      tenantId: account.tenantId,
      cloud: this.options.cloud.name,
    };
  }

  /** Device code: for Server Core and wherever no browser may run. */
  async withDeviceCode(onCode: (prompt: DeviceCodePrompt) => void, signal?: AbortSignal): Promise<SignedIn> {
    const request: DeviceCodeRequest = {
      scopes: graphScopes(this.options.cloud),
      deviceCodeCallback: (response) =>
        onCode({
          userCode: response.userCode,
          verificationUri: response.verificationUri,
          message: response.message,
          expiresInSeconds: response.expiresIn,
        }),
    };
    const onAbort = () => {
      request.cancel = true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let result: AuthenticationResult | null;
    try {
      result = await this.app.acquireTokenByDeviceCode(request);
    } catch (error) {
      throw this.lastNetworkError ? unreachable(this.lastNetworkError) : explain(error, this.lastServerError);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return this.remember(result);
  }

  /**
   * The system browser on this machine, with msal-node's loopback redirect (http://localhost:<port>,
   * the answer posted back with form_post): for a server where a browser may run.
   */
  async withBrowser(
    openBrowser: (url: string, proxy?: string) => Promise<void>,
    given?: AbortSignal,
    limitMs = 15 * 60_000,
  ): Promise<SignedIn> {
    // A sign-in nobody finishes (no browser on this server, a window left open) ends by itself.
    const limit = AbortSignal.timeout(limitMs);
    const signal = given ? AbortSignal.any([given, limit]) : limit;
    let loopback: { redirectUri: string; state: string } | null = null;
    // msal-node's loopback server (in this process, on 127.0.0.1) waits until an answer arrives and
    // has no cancel of its own: a cancelled sign-in sends it one, so it stops listening.
    const onAbort = () => {
      if (loopback)
        void fetch(
          `${loopback.redirectUri.replace('//localhost', '//127.0.0.1')}?error=access_denied&error_description=cancelled&state=${encodeURIComponent(loopback.state)}`,
        ).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let result: AuthenticationResult | null;
    try {
      result = await this.app.acquireTokenInteractive({
        scopes: graphScopes(this.options.cloud),
        prompt: 'select_account',
        openBrowser: async (url) => {
          const asked = new URL(url);
          loopback = {
            redirectUri: asked.searchParams.get('redirect_uri') ?? '',
            state: asked.searchParams.get('state') ?? '',
          };
          if (signal.aborted) onAbort();
          await openBrowser(url, this.proxy);
        },
        successTemplate:
          '<!doctype html><title>Signed in</title><h1>Signed in</h1><p>You can close this window and return to NDES Proxy Companion.</p>',
        errorTemplate:
          '<!doctype html><title>Sign-in failed</title><h1>The sign-in failed</h1><p>Return to NDES Proxy Companion: it says why and what to do.</p>',
      });
    } catch (error) {
      if (given?.aborted)
        throw new CompanionError('CANCELLED', 'The sign-in was cancelled.', 'Sign in again when ready.');
      if (limit.aborted)
        throw new CompanionError(
          'SIGN_IN_FAILED',
          `The sign-in was not finished within ${limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} minutes` : `${Math.round(limitMs / 1000)} seconds`}.`,
          'Sign in again and finish in the browser that opens; on a server without a browser, use the device code.',
        );
      throw this.lastNetworkError ? unreachable(this.lastNetworkError) : explain(error, this.lastServerError);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return this.remember(result);
  }

  private async remember(result: AuthenticationResult | null): Promise<SignedIn> {
    if (!result?.account)
      throw new CompanionError('SIGN_IN_FAILED', 'Microsoft Entra ID answered without an account.', 'Sign in again.');
    // One sign-in at a time: any other account in the cache is forgotten.
    const cache = this.app.getTokenCache();
    for (const other of await cache.getAllAccounts())
      if (other.homeAccountId !== result.account.homeAccountId) await cache.removeAccount(other);
    this.records.write({
      homeAccountId: result.account.homeAccountId,
      tenantId: result.account.tenantId,
      clientId: this.clientId,
      ...(this.proxy ? { proxy: this.proxy } : {}),
    });
    return this.summary(result.account);
  }

  /** Who is signed in, from the cache; null when nobody is. */
  async current(): Promise<SignedIn | null> {
    const account = await this.account();
    return account ? this.summary(account) : null;
  }

  /** A Graph token from the cache, refreshed when due, in the tenant signed in to; never an interactive prompt. */
  async graphToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    return (await this.silentGraph(options)).accessToken;
  }

  /**
   * The delegated permissions the Graph token was granted, as Microsoft Entra ID's token response
   * lists them (its "scope", which may be fewer than asked when consent is missing: RFC 6749 §5.1).
   */
  async grantedScopes(): Promise<string[]> {
    return [...(await this.silentGraph()).scopes];
  }

  private async silentGraph(
    options: { forceRefresh?: boolean } = {},
  ): Promise<{ accessToken: string; scopes: string[] }> {
    const account = await this.account();
    if (!account)
      throw new CompanionError(
        'NEEDS_SIGN_IN',
        'Nobody is signed in.',
        'Sign in first (ndes-companion login --device-code, or the Sign-in step).',
      );
    try {
      const result = await this.app.acquireTokenSilent({
        account,
        authority: `https://${this.options.cloud.authorityHost}/${account.tenantId}`,
        scopes: graphScopes(this.options.cloud),
        forceRefresh: options.forceRefresh ?? false,
      });
      return { accessToken: result.accessToken, scopes: result.scopes };
    } catch (error) {
      const code = (error as { errorCode?: string }).errorCode ?? '';
      if (
        /interaction_required|invalid_grant|no_tokens_found|refresh_token_expired/.test(code) ||
        /AADSTS(50173|700082|70043|50078)/.test(String((error as Error).message))
      ) {
        throw new CompanionError('NEEDS_SIGN_IN', 'The sign-in has expired or was revoked.', 'Sign in again.');
      }
      throw this.lastNetworkError ? unreachable(this.lastNetworkError) : explain(error, this.lastServerError);
    }
  }

  /** Forgets every account, empties the cache (an open app sees it), and deletes the record and any damaged copy. */
  async signOut(): Promise<void> {
    const cache = this.app.getTokenCache();
    for (const account of await cache.getAllAccounts()) await cache.removeAccount(account);
    await this.cache.clear();
    this.records.write(null);
  }
}

function parseRecord(raw: unknown): SignInRecord | null {
  const parsed = (raw ?? {}) as Partial<SignInRecord>;
  return typeof parsed.homeAccountId === 'string' &&
    typeof parsed.tenantId === 'string' &&
    typeof parsed.clientId === 'string'
    ? {
        homeAccountId: parsed.homeAccountId,
        tenantId: parsed.tenantId,
        clientId: parsed.clientId,
        ...(typeof parsed.proxy === 'string' ? { proxy: parsed.proxy } : {}),
      }
    : null;
}
