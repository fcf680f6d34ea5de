import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabCa } from '../tls.ts';

/**
 * The lab's Microsoft Entra ID: the v2.0 endpoints the real @azure/msal-node calls, over HTTPS on
 * loopback with a certificate from the lab's public-like CA, reached by the real name
 * (login.microsoftonline.com) through the lab resolver.
 *
 * What it answers is the protocol as Microsoft documents it (Microsoft identity platform:
 * OpenID Connect discovery, OAuth 2.0 device authorization grant, authorization code with PKCE,
 * refresh tokens) and as msal-node reads it (client_info, id_token claims):
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /common/discovery/instance                    (instance discovery)
 *   POST /{tenant}/oauth2/v2.0/devicecode              user_code, device_code, interval, message
 *   GET|POST /devicelogin                              the page a person types the code into
 *   GET  /{tenant}/oauth2/v2.0/authorize               a consent page; approving redirects with a code
 *                                                      (response_mode=form_post: a page that posts it)
 *   GET  /common/oauth2/nativeclient                   the blank page native clients are sent back to
 *   POST /{tenant}/oauth2/v2.0/token                   device_code, authorization_code (+PKCE), refresh_token
 *   GET  /{tenant}/discovery/v2.0/keys                 the signing key
 * Every token request is recorded (grant, client, scopes; never a token) for assertions.
 */
export interface EntraUser {
  oid: string;
  upn: string;
  name: string;
}

export interface EntraBehaviour {
  /** Device-code polls answered authorization_pending before the code counts as entered, if no one enters it. */
  slowDown?: boolean;
  /** Client ids that may use each grant; by default any client may use any grant. */
  deviceCodeClients?: string[];
  /** Redirect URIs accepted per client id (authorization code flow). */
  redirectUris?: Record<string, string[]>;
  /** Client ids refused the device-code grant (added to the connector's own client, always refused). */
  publicFlowRefused?: string[];
  /**
   * The user is a guest (B2B) from this home tenant: client_info's utid names the home tenant
   * while the tokens' tid is the tenant signed in to, as Entra ID issues them for guests.
   */
  homeTenant?: string;
  /** The sign-in is refused with this AADSTS error (e.g. "AADSTS50059"). */
  refuse?: { error: string; description: string };
}

export interface TokenCall {
  grant: string;
  clientId: string;
  scopes: string[];
  tenant: string;
  outcome: 'issued' | 'pending' | 'slow_down' | 'refused';
  /** The redirect URI an authorization code was redeemed with. */
  redirectUri?: string;
}

export interface FakeEntra {
  port: number;
  tenantId: string;
  /** The public key tokens are signed with (what Graph checks them against). */
  signingKey: JsonWebKey;
  user: EntraUser;
  /** What a person does on the device-login page: enter the code and approve. */
  approveDeviceCode(userCode: string): boolean;
  use(behaviour: EntraBehaviour | undefined): void;
  calls: TokenCall[];
  /** Every HTTP request received, of any kind: offline mode must leave it at zero. */
  requests(): number;
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  scopes: string[];
  tenant: string;
  approved: boolean;
  expires: number;
  polls: number;
  codeChallenge?: string;
  redirectUri?: string;
}

/** The connector's public client (docs/reference/domain.md §2.1). */
const CONNECTOR_CLIENT = '55747057-9b5d-4bd4-b387-abf52a8bd489';

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
  const body = base64url(JSON.stringify(claims));
  return `${head}.${body}.${base64url(sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key))}`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

function oauthError(response: ServerResponse, error: string, description: string): void {
  json(response, 400, {
    error,
    error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

export async function startFakeEntra(options: {
  ca: LabCa;
  tenantId: string;
  host?: string;
  user?: EntraUser;
}): Promise<FakeEntra> {
  const host = options.host ?? 'login.microsoftonline.com';
  const tenantId = options.tenantId;
  const user: EntraUser = options.user ?? {
    oid: '4f8e2a61-7c3b-4d59-9e1a-2b6c8d0f3a47',
    upn: 'admin@contoso.onmicrosoft.com',
    name: 'Contoso Admin',
  };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', kty: 'RSA' };
  const certificate = await options.ca.issue([host], { subject: `CN=${host}, O=Microsoft Corporation` });
  // The connector's registration client (docs/reference/domain.md §2.1): Microsoft's samples sign in with it only
  // through MSAL.NET's nativeclient redirect (earlier, ADAL's out-of-band one); that it takes a
  // loopback redirect or a device code is undocumented, so the lab refuses both, as Entra ID
  // refuses a client for a redirect it was not registered with (AADSTS50011) or for public
  // client flows it does not allow (AADSTS7000218).
  const firstParty = (next: EntraBehaviour): EntraBehaviour => ({
    ...next,
    redirectUris: {
      [CONNECTOR_CLIENT]: [`https://${host}/common/oauth2/nativeclient`, 'urn:ietf:wg:oauth:2.0:oob'],
      ...next.redirectUris,
    },
    publicFlowRefused: [CONNECTOR_CLIENT, ...(next.publicFlowRefused ?? [])],
  });
  let behaviour: EntraBehaviour = firstParty({});
  const deviceCodes = new Map<string, Grant & { userCode: string }>();
  const codes = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant>();
  const calls: TokenCall[] = [];
  const issuer = (tenant: string) => `https://${host}/${tenant}/v2.0`;

  const tokens = (grant: Grant) => {
    const now = Math.floor(Date.now() / 1000);
    const refresh = randomBytes(32).toString('base64url');
    refreshTokens.set(refresh, grant);
    const resource =
      grant.scopes.find((scope) => scope.includes('://') || scope.includes('/'))?.replace(/\/[^/]*$/, '') ??
      'https://graph.microsoft.com';
    return {
      token_type: 'Bearer',
      scope: grant.scopes.filter((scope) => !['openid', 'profile', 'offline_access'].includes(scope)).join(' '),
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: jwt(privateKey, kid, {
        uti: randomBytes(16).toString('base64url'),
        aud: resource,
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + 3599,
        oid: user.oid,
        tid: tenantId,
        upn: user.upn,
        scp: grant.scopes
          .filter((scope) => !['openid', 'profile', 'offline_access'].includes(scope))
          .map((scope) => scope.replace(/^.*\//, ''))
          .join(' '),
        ver: '1.0',
      }),
      refresh_token: refresh,
      id_token: jwt(privateKey, kid, {
        aud: grant.clientId,
        iss: issuer(tenantId),
        iat: now,
        nbf: now,
        exp: now + 3600,
        oid: user.oid,
        tid: tenantId,
        sub: createHash('sha256').update(user.oid).digest('base64url'),
        preferred_username: user.upn,
        name: user.name,
        ver: '2.0',
      }),
      client_info: base64url(JSON.stringify({ uid: user.oid, utid: behaviour.homeTenant ?? tenantId })),
    };
  };

  let requests = 0;
  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    requests += 1;
    const url = new URL(request.url ?? '/', `https://${host}`);
    const parts = url.pathname.split('/').filter(Boolean);
    const tenant = parts[0] ?? 'common';
    const resolvedTenant = ['common', 'organizations'].includes(tenant) ? tenantId : tenant;
    if (request.method === 'GET' && url.pathname === '/common/discovery/instance') {
      json(response, 200, {
        tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
      return;
    }
    if (request.method === 'GET' && url.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
      json(response, 200, {
        token_endpoint: `https://${host}/${resolvedTenant}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `https://${host}/${resolvedTenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: issuer(['common', 'organizations'].includes(tenant) ? '{tenantid}' : tenantId),
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `https://${host}/${resolvedTenant}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `https://${host}/${resolvedTenant}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `https://${host}/${resolvedTenant}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `https://${host}/${resolvedTenant}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      });
      return;
    }
    if (request.method === 'GET' && url.pathname.endsWith('/discovery/v2.0/keys')) {
      json(response, 200, { keys: [jwk] });
      return;
    }
    if (request.method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/devicecode')) {
      const form = await readForm(request);
      const clientId = form.get('client_id') ?? '';
      if (
        (behaviour.deviceCodeClients && !behaviour.deviceCodeClients.includes(clientId)) ||
        behaviour.publicFlowRefused?.includes(clientId)
      ) {
        oauthError(
          response,
          'invalid_client',
          `AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`,
        );
        return;
      }
      const userCode = randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
      const deviceCode = randomBytes(32).toString('base64url');
      deviceCodes.set(deviceCode, {
        clientId,
        scopes: (form.get('scope') ?? '').split(' ').filter(Boolean),
        tenant: resolvedTenant,
        approved: false,
        expires: Date.now() + 900_000,
        polls: 0,
        userCode,
      });
      json(response, 200, {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: `https://${host}/devicelogin`,
        expires_in: 900,
        interval: 1,
        message: `To sign in, use a web browser to open the page https://${host}/devicelogin and enter the code ${userCode} to authenticate.`,
      });
      return;
    }
    if (url.pathname === '/devicelogin') {
      if (request.method === 'POST') {
        const form = await readForm(request);
        const ok = approve(form.get('otc') ?? '');
        response.writeHead(ok ? 200 : 400, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(
          ok
            ? '<!doctype html><title>Signed in</title><h1>You have signed in</h1><p>You can close this window.</p>'
            : '<!doctype html><title>Code</title><h1>That code did not work</h1>',
        );
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(
        '<!doctype html><title>Enter code</title><h1>Enter code</h1><form method="post"><label>Code <input name="otc" autocomplete="off"></label><button>Next</button></form>',
      );
      return;
    }
    if (request.method === 'GET' && url.pathname === '/common/oauth2/nativeclient') {
      // Entra ID's own landing page for native clients: a blank page; the app reads its address.
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end('<!doctype html><title></title>');
      return;
    }
    if (request.method === 'GET' && url.pathname.endsWith('/oauth2/v2.0/authorize')) {
      const clientId = url.searchParams.get('client_id') ?? '';
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const allowed = behaviour.redirectUris?.[clientId];
      if (allowed && !allowed.includes(redirectUri)) {
        response.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(
          `<!doctype html><title>Sign in</title><p>AADSTS50011: The redirect URI '${redirectUri.replace(/[<>&"']/g, '')}' specified in the request does not match the redirect URIs configured for the application '${clientId.replace(/[<>&"']/g, '')}'.</p>`,
        );
        return;
      }
      if (url.searchParams.get('approve') !== 'yes') {
        const again = new URL(url);
        again.searchParams.set('approve', 'yes');
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(
          `<!doctype html><title>Permissions requested</title><h1>Permissions requested</h1><p>${user.upn}</p><a id="accept" href="${again.pathname}${again.search.replace(/&/g, '&amp;')}">Accept</a>`,
        );
        return;
      }
      const code = randomBytes(24).toString('base64url');
      codes.set(code, {
        clientId,
        scopes: (url.searchParams.get('scope') ?? '').split(' ').filter(Boolean),
        tenant: resolvedTenant,
        approved: true,
        expires: Date.now() + 600_000,
        polls: 0,
        codeChallenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri,
      });
      const answer: Record<string, string> = {
        code,
        client_info: base64url(JSON.stringify({ uid: user.oid, utid: behaviour.homeTenant ?? tenantId })),
      };
      const state = url.searchParams.get('state');
      if (state) answer.state = state;
      if (url.searchParams.get('response_mode') === 'form_post') {
        // As Entra ID answers form_post: a page whose hidden form posts the answer to the redirect URI.
        const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end(
          `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${attr(redirectUri)}">${Object.entries(
            answer,
          )
            .map(([name, value]) => `<input type="hidden" name="${name}" value="${attr(value)}" />`)
            .join(
              '',
            )}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">window.setTimeout('document.forms[0].submit()', 0);</script></body></html>`,
        );
        return;
      }
      const back = new URL(redirectUri);
      for (const [name, value] of Object.entries(answer)) back.searchParams.set(name, value);
      response.writeHead(302, { Location: back.toString() });
      response.end();
      return;
    }
    if (request.method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/token')) {
      const form = await readForm(request);
      const grantType = form.get('grant_type') ?? '';
      const clientId = form.get('client_id') ?? '';
      const record = (outcome: TokenCall['outcome'], scopes: string[]) =>
        calls.push({
          grant: grantType,
          clientId,
          scopes,
          tenant: resolvedTenant,
          outcome,
          ...(form.get('redirect_uri') ? { redirectUri: form.get('redirect_uri') ?? '' } : {}),
        });
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (behaviour.refuse) {
        record('refused', scopes);
        oauthError(response, behaviour.refuse.error, behaviour.refuse.description);
        return;
      }
      if (grantType === 'device_code') {
        const grant = deviceCodes.get(form.get('device_code') ?? '');
        if (!grant || grant.clientId !== clientId)
          return oauthError(
            response,
            'invalid_grant',
            "AADSTS70000: The provided value for the input parameter 'device_code' is not valid.",
          );
        if (Date.now() > grant.expires)
          return oauthError(
            response,
            'expired_token',
            "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
          );
        grant.polls += 1;
        if (!grant.approved) {
          const slow = behaviour.slowDown && grant.polls === 1;
          record(slow ? 'slow_down' : 'pending', grant.scopes);
          return oauthError(
            response,
            slow ? 'slow_down' : 'authorization_pending',
            'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
          );
        }
        deviceCodes.delete(form.get('device_code') ?? '');
        record('issued', grant.scopes);
        json(response, 200, tokens(grant));
        return;
      }
      if (grantType === 'authorization_code') {
        const code = form.get('code') ?? '';
        const grant = codes.get(code);
        codes.delete(code);
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          !grant ||
          grant.clientId !== clientId ||
          grant.redirectUri !== form.get('redirect_uri') ||
          grant.codeChallenge !== challenge
        ) {
          record('refused', scopes);
          return oauthError(
            response,
            'invalid_grant',
            'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.',
          );
        }
        record('issued', grant.scopes);
        json(response, 200, tokens({ ...grant, scopes: grant.scopes.length ? grant.scopes : scopes }));
        return;
      }
      if (grantType === 'refresh_token') {
        const grant = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!grant || grant.clientId !== clientId) {
          record('refused', scopes);
          return oauthError(
            response,
            'invalid_grant',
            'AADSTS9002313: Invalid request. Request is malformed or invalid.',
          );
        }
        record('issued', scopes);
        json(response, 200, tokens({ ...grant, scopes }));
        return;
      }
      record('refused', scopes);
      oauthError(
        response,
        'unsupported_grant_type',
        `AADSTS70003: The app requested an unsupported grant type '${grantType.replace(/[^a-z_:.-]/gi, '')}'.`,
      );
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
  };

  const approve = (userCode: string): boolean => {
    for (const grant of deviceCodes.values()) {
      if (grant.userCode === userCode.trim().toUpperCase()) {
        grant.approved = true;
        return true;
      }
    }
    return false;
  };

  const server = https.createServer({ key: certificate.keyPem, cert: certificate.chainPem }, (request, response) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    tenantId,
    signingKey: publicKey.export({ format: 'jwk' }),
    user,
    approveDeviceCode: approve,
    use(next) {
      behaviour = firstParty(next ?? {});
    },
    calls,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
