import {
  X509Certificate,
  createHash,
  createPublicKey,
  randomUUID,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import forge from 'node-forge';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabCa } from '../tls.ts';

/**
 * The lab's Microsoft Graph, as graph.microsoft.com over HTTPS: the endpoints the companion
 * calls, shaped as Microsoft Graph documents them (reference docs/reference/domain.md §5.3, §5.4), answering
 * only a bearer token the lab's Entra ID signed for Graph. A scenario's "graph" section sets the
 * tenant: roles active and eligible, licences, App Proxy on or off, throttling. Every call is
 * recorded (method, path, status; never a token).
 */
export interface GraphScenario {
  /** roleTemplateIds active for the signed-in user. */
  roles?: string[];
  /** roleTemplateIds the user is eligible for in PIM but has not activated. */
  eligibleRoles?: string[];
  /** servicePlanNames provisioned in the tenant's subscriptions. */
  servicePlans?: string[];
  appProxyEnabled?: boolean;
  /** The first N calls are answered 429 with Retry-After: 1. */
  throttleFirst?: number;
  /** Eligibility schedules cannot be read (403), as without RoleManagement permissions. */
  eligibilityDenied?: boolean;
  /** Connectors registered in the tenant, and the group each is in (docs/reference/domain.md §5.3). */
  connectors?: {
    machineName: string;
    status: 'active' | 'inactive';
    group?: string;
    externalIp?: string;
    version?: string;
  }[];
  /** Applications already published with Application Proxy. */
  apps?: { displayName: string; internalUrl: string; externalUrl: string; externalAuthenticationType?: string }[];
  /** A new application answers 404 this many times before it can be read (replication lag). */
  replicationLag?: number;
  /** Intune device configurations: SCEP profiles of any type, and others (reference docs/reference/domain.md §7). */
  deviceConfigurations?: { displayName: string; odataType: string; scepServerUrls?: string[] }[];
  /** Page size of deviceConfigurations (the rest follows in @odata.nextLink). */
  pageSize?: number;
  /** Custom domains verified in the tenant, besides the initial <tenant>.onmicrosoft.com (default: contoso.com). */
  verifiedDomains?: string[];
  /** Writes refused once each (method, a path regular expression, the answer), as a write failing part-way. */
  failWrites?: { method: string; path: string; status: number; code: string; message: string }[];
  /** Reads refused every time, whatever the role. */
  refuseReads?: { path: string; status: number; code: string; message: string }[];
}

export interface GraphCall {
  method: string;
  path: string;
  status: number;
}

export interface FakeGraph {
  port: number;
  configurations(): { id: string; displayName: string; odataType: string; scepServerUrls: string[] }[];
  /** The applications in the tenant now, with their publishing settings (for assertions). */
  apps(): {
    id: string;
    displayName: string;
    onPremisesPublishing: Record<string, unknown> | null;
    connectorGroup: string | null;
  }[];
  /** The connector groups now, and the connectors in each (for assertions). */
  connectorGroups(): { name: string; connectors: string[] }[];
  use(scenario: GraphScenario | undefined): void;
  calls: GraphCall[];
  close(): Promise<void>;
}

const ROLE_NAMES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  '3a2c62db-5318-420d-8d74-23affee5d9d5': 'Intune Administrator',
};
const PLAN_IDS: Record<string, string> = {
  AAD_PREMIUM: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
  AAD_PREMIUM_P2: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
  INTUNE_A: 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5',
};

/** The same id for the same name in every run, as a tenant's objects keep theirs. */
function stableId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; odata.metadata=minimal; charset=utf-8',
    'request-id': randomUUID(),
    ...headers,
  });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

/** Graph's error body (learn.microsoft.com/graph/errors): innerError's request-id is the header's; the client-request-id is the caller's own. */
function graphError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const requestId = randomUUID();
  send(
    response,
    status,
    {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString(), 'request-id': requestId, 'client-request-id': randomUUID() },
      },
    },
    { 'request-id': requestId, ...headers },
  );
}

interface TenantConnector {
  id: string;
  machineName: string;
  externalIp: string;
  status: string;
  version: string;
  groupId: string;
}
interface TenantApp {
  id: string;
  appId: string;
  displayName: string;
  identifierUris: string[];
  web: { redirectUris: string[]; homePageUrl: string | null };
  onPremisesPublishing: Record<string, unknown> | null;
  connectorGroupId: string | null;
  unreadable: number;
  notes?: string;
  /** Set on an app instantiated from a template (application resource, applicationTemplateId). */
  applicationTemplateId?: string;
}
/** verifiedCustomDomainCertificatesMetadata (Graph beta resource of that name): what Graph shows of an uploaded PFX. */
interface CertificateMetadata {
  subjectName: string;
  issuerName: string;
  thumbprint: string;
  issueDate: string;
  expiryDate: string;
}
interface Tenant {
  /** PFX uploaded for custom domains, by the DNS names they cover: "A custom domain only needs its certificate uploaded once" (how-to-configure-custom-domain). */
  certificates: { names: string[]; metadata: CertificateMetadata }[];
  connectors: TenantConnector[];
  groups: { id: string; name: string; connectorGroupType: string; region: string; isDefault: boolean }[];
  apps: TenantApp[];
  servicePrincipals: { id: string; appId: string; displayName: string; tags: string[] }[];
  configurations: {
    id: string;
    displayName: string;
    '@odata.type': string;
    scepServerUrls?: string[];
    lastModifiedDateTime: string;
  }[];
}

/** The tenant a scenario describes, as objects the requests then read and change. */
function newTenant(scenario: GraphScenario): Tenant {
  const group = (name: string) => ({
    id: stableId(`group:${name}`),
    name,
    connectorGroupType: 'applicationProxy',
    region: 'eur',
    isDefault: name === 'Default',
  });
  const names = [
    'Default',
    ...new Set(
      (scenario.connectors ?? []).map((connector) => connector.group ?? 'Default').filter((name) => name !== 'Default'),
    ),
  ];
  const tenant: Tenant = {
    certificates: [],
    groups: names.map(group),
    connectors: (scenario.connectors ?? []).map((connector) => ({
      id: stableId(`connector:${connector.machineName}`),
      machineName: connector.machineName,
      externalIp: connector.externalIp ?? '203.0.113.10',
      status: connector.status,
      version: connector.version ?? '1.5.4287.0',
      groupId: stableId(`group:${connector.group ?? 'Default'}`),
    })),
    apps: [],
    servicePrincipals: [],
    configurations: (scenario.deviceConfigurations ?? []).map((configuration) => ({
      id: stableId(`configuration:${configuration.displayName}`),
      displayName: configuration.displayName,
      '@odata.type': configuration.odataType,
      ...(configuration.scepServerUrls ? { scepServerUrls: [...configuration.scepServerUrls] } : {}),
      lastModifiedDateTime: '2026-10-01T08:00:00Z',
    })),
  };
  for (const app of scenario.apps ?? []) {
    const id = stableId(`app:${app.displayName}`);
    const appId = stableId(`appId:${app.displayName}`);
    tenant.apps.push({
      id,
      appId,
      displayName: app.displayName,
      identifierUris: [`api://${appId}`],
      web: { redirectUris: [app.externalUrl], homePageUrl: app.externalUrl },
      onPremisesPublishing: {
        externalAuthenticationType: app.externalAuthenticationType ?? 'passthru',
        internalUrl: app.internalUrl,
        externalUrl: app.externalUrl,
        isOnPremPublishingEnabled: true,
      },
      connectorGroupId: null,
      unreadable: 0,
    });
    tenant.servicePrincipals.push({
      id: stableId(`sp:${app.displayName}`),
      appId,
      displayName: app.displayName,
      tags: ['WindowsAzureActiveDirectoryIntegratedApp', 'WindowsAzureActiveDirectoryOnPremApp'],
    });
  }
  return tenant;
}

/** Properties of onPremisesPublishing (reference docs/reference/domain.md §5.2); anything else is refused as Graph refuses it. */
const PUBLISHING_PROPERTIES = new Set([
  'alternateUrl',
  'applicationServerTimeout',
  'externalAuthenticationType',
  'externalUrl',
  'internalUrl',
  'isAccessibleViaZTNAClient',
  'isBackendCertificateValidationEnabled',
  'isDnsResolutionEnabled',
  'isHttpOnlyCookieEnabled',
  'isOnPremPublishingEnabled',
  'isPersistentCookieEnabled',
  'isSecureCookieEnabled',
  'isStateSessionEnabled',
  'isTranslateHostHeaderEnabled',
  'isTranslateLinksInBodyEnabled',
  'singleSignOnSettings',
  'useAlternateUrlForTranslationAndRedirect',
]);
// The custom domain's certificate is written through these two, and nothing else of them is taken (below).
PUBLISHING_PROPERTIES.add('verifiedCustomDomainKeyCredential');
PUBLISHING_PROPERTIES.add('verifiedCustomDomainPasswordCredential');
const APPLICATION_PROPERTIES = new Set([
  'displayName',
  'identifierUris',
  'web',
  'onPremisesPublishing',
  'tags',
  'notes',
]);

/** A dNSName covers a host exactly, or as a wildcard for one left-most label. */
function covers(name: string, host: string): boolean {
  if (!name.startsWith('*.')) return name === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
}

/**
 * Opens an uploaded PFX as the service would: the password must open it, it must hold a private key
 * and a certificate valid now ("If the certificate isn't valid, or there's a problem with the
 * password, you see an error message": how-to-configure-custom-domain). The certificate whose key
 * is inside is the one described; the password and the PFX are never kept.
 */
function openPfx(base64: string, password: string): { names: string[]; metadata: CertificateMetadata } | string {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(Buffer.from(base64, 'base64').toString('binary')),
      false,
      password,
    );
  } catch {
    return 'The certificate could not be read: the file is not a PFX, or the password is wrong.';
  }
  const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keys = [...bags('1.2.840.113549.1.12.10.1.2'), ...bags('1.2.840.113549.1.12.10.1.1')];
  if (keys.length === 0) return 'The certificate must include its private key.';
  const certificates = bags('1.2.840.113549.1.12.10.1.3').flatMap((bag) => {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    return asn1 ? [new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'))] : [];
  });
  const keyIds = keys.map((bag) => String(bag.attributes.localKeyId?.[0] ?? ''));
  const certificateBags = bags('1.2.840.113549.1.12.10.1.3');
  const index = certificateBags.findIndex((bag) => keyIds.includes(String(bag.attributes.localKeyId?.[0] ?? '')));
  const leaf = certificates[index >= 0 ? index : 0];
  if (!leaf) return 'The PFX holds no certificate.';
  if (new Date(leaf.validTo).getTime() <= Date.now() || new Date(leaf.validFrom).getTime() > Date.now())
    return 'The certificate is not valid: it has expired or is not valid yet.';
  const names = (leaf.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  return {
    names,
    metadata: {
      subjectName: leaf.subject.replace(/\n/g, ', '),
      issuerName: leaf.issuer.replace(/\n/g, ', '),
      thumbprint: leaf.fingerprint.replace(/:/g, ''),
      issueDate: new Date(leaf.validFrom).toISOString(),
      expiryDate: new Date(leaf.validTo).toISOString(),
    },
  };
}

/** The token's claims when Entra's key signed it for Graph and it has not expired; null otherwise. */
function claimsOf(authorization: string | undefined, key: KeyObject): Record<string, unknown> | null {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  const [head, body, signature] = token?.split('.') ?? [];
  if (!head || !body || !signature) return null;
  if (!verify('RSA-SHA256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url'))) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims.aud !== 'https://graph.microsoft.com' || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
    return null;
  return claims;
}

export async function startFakeGraph(options: {
  ca: LabCa;
  tenantId: string;
  signingKey: JsonWebKey;
  tenantName?: string;
}): Promise<FakeGraph> {
  const key = createPublicKey({ key: options.signingKey, format: 'jwk' });
  const certificate = await options.ca.issue(['graph.microsoft.com'], {
    subject: 'CN=graph.microsoft.com, O=Microsoft Corporation',
  });
  let scenario: GraphScenario = {};
  let served = 0;
  let tenant = newTenant({});
  /** Injected failures already answered: each is refused once. */
  let spent = new Set<object>();
  const calls: GraphCall[] = [];
  const tenantName = options.tenantName ?? 'contoso';

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'https://graph.microsoft.com');
    const path = decodeURIComponent(url.pathname);
    const record = (status: number) =>
      calls.push({ method: request.method ?? 'GET', path: `${path}${url.search}`, status });
    const claims = claimsOf(request.headers.authorization, key);
    if (!claims) {
      record(401);
      return graphError(
        response,
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.',
      );
    }
    served += 1;
    const refusedRead =
      request.method === 'GET'
        ? (scenario.refuseReads ?? []).find((refusal) => new RegExp(refusal.path).test(path))
        : undefined;
    if (refusedRead) {
      record(refusedRead.status);
      return graphError(response, refusedRead.status, refusedRead.code, refusedRead.message);
    }
    if (scenario.throttleFirst && served <= scenario.throttleFirst) {
      record(429);
      return graphError(response, 429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '1' });
    }
    const ok = (body: unknown) => {
      record(200);
      send(response, 200, body);
    };
    if (request.method === 'GET' && path === '/v1.0/organization') {
      return ok({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#organization',
        value: [
          {
            id: options.tenantId,
            displayName: 'Contoso',
            verifiedDomains: [
              {
                capabilities: 'Email, OfficeCommunicationsOnline',
                isDefault: false,
                isInitial: true,
                name: `${tenantName}.onmicrosoft.com`,
                type: 'Managed',
              },
              ...(scenario.verifiedDomains ?? ['contoso.com']).map((name, index) => ({
                capabilities: 'Email',
                isDefault: index === 0,
                isInitial: false,
                name,
                type: 'Managed',
              })),
            ],
          },
        ],
      });
    }
    if (request.method === 'GET' && path === '/v1.0/me') {
      return ok({ id: claims.oid, userPrincipalName: claims.upn, displayName: 'Contoso Admin' });
    }
    if (request.method === 'GET' && path === '/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole') {
      // The OData cast is an advanced query (reference docs/reference/domain.md §5.4).
      if (request.headers.consistencylevel !== 'eventual' || url.searchParams.get('$count') !== 'true') {
        record(400);
        return graphError(
          response,
          400,
          'Request_UnsupportedQuery',
          "The requested query is not supported: this query needs the ConsistencyLevel header set to 'eventual' and $count=true.",
        );
      }
      const roles = (scenario.roles ?? []).map((templateId) => ({
        '@odata.type': '#microsoft.graph.directoryRole',
        id: randomUUID(),
        displayName: ROLE_NAMES[templateId] ?? templateId,
        roleTemplateId: templateId,
      }));
      return ok({ '@odata.count': roles.length, value: roles });
    }
    if (
      request.method === 'GET' &&
      path === "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')"
    ) {
      // Reading PIM eligibility takes a RoleManagement permission in the token (docs/reference/domain.md §5.4).
      const scopes = String(claims.scp ?? '').split(' ');
      if (
        scenario.eligibilityDenied ||
        !scopes.some((scope) =>
          [
            'RoleEligibilitySchedule.Read.Directory',
            'RoleManagement.Read.Directory',
            'RoleManagement.ReadWrite.Directory',
          ].includes(scope),
        )
      ) {
        record(403);
        return graphError(response, 403, 'AccessDenied', 'Request Authorization failed.');
      }
      return ok({
        value: (scenario.eligibleRoles ?? []).map((roleDefinitionId) => ({
          id: randomUUID(),
          principalId: claims.oid,
          roleDefinitionId,
          directoryScopeId: '/',
          memberType: 'Direct',
        })),
      });
    }
    if (request.method === 'GET' && path === '/v1.0/subscribedSkus') {
      const plans = scenario.servicePlans ?? [];
      return ok({
        value: [
          {
            capabilityStatus: 'Enabled',
            consumedUnits: 3,
            skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
            skuPartNumber: 'SPE_E5',
            prepaidUnits: { enabled: 25, suspended: 0, warning: 0 },
            servicePlans: plans.map((name) => ({
              servicePlanId: PLAN_IDS[name] ?? randomUUID(),
              servicePlanName: name,
              provisioningStatus: 'Success',
              appliesTo: 'User',
            })),
          },
        ],
      });
    }
    const profile = '/beta/onPremisesPublishingProfiles/applicationProxy';
    const shown = ({ groupId: _group, ...connector }: TenantConnector) => connector;
    const notFound = (what: string) => {
      record(404);
      graphError(
        response,
        404,
        'Request_ResourceNotFound',
        `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
      );
    };
    const badRequest = (message: string) => {
      record(400);
      graphError(response, 400, 'Request_BadRequest', message);
    };
    const noContent = () => {
      record(204);
      send(response, 204);
    };
    // Who may do what (docs/reference/domain.md §4.3, from Microsoft's role reference [S27]): Application Administrator
    // and Global Administrator hold microsoft.directory/applications/applicationProxy/* and the
    // connector(Group) permissions; Cloud Application Administrator has "all aspects of app
    // registrations and enterprise apps except App Proxy", so it may instantiate, patch and delete
    // applications, but not read or write anything of application proxy.
    const roles = scenario.roles ?? [];
    const mayPublish =
      roles.includes('9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3') || roles.includes('62e90394-69f5-4237-9190-012177145e10');
    const mayManageApps = mayPublish || roles.includes('158c047a-c907-4556-b7ef-446551a6b5f7');
    const isWrite = !['GET', 'HEAD'].includes(request.method ?? 'GET');
    const appProxyPath =
      path.startsWith('/beta/onPremisesPublishingProfiles/') ||
      /^\/beta\/applications\/[^/]+\/connectorGroup/.test(path);
    if (appProxyPath && !mayPublish) {
      // The code Graph answers a reader of the publishing profile without an admin role
      // (microsoftgraph/msgraph-sdk-powershell#2428); body shaped as learn.microsoft.com/graph/errors.
      record(403);
      return graphError(
        response,
        403,
        'NotAdminRoleNoEnoughCustomPermission_UnauthorizedAccess',
        'The signed-in user does not hold a role that may manage application proxy.',
      );
    }
    if (isWrite && !appProxyPath && !path.startsWith('/beta/deviceManagement/') && !mayManageApps) {
      record(403);
      return graphError(
        response,
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    if (request.method === 'GET' && path === `${profile}/connectors`)
      return ok({ value: tenant.connectors.map(shown) });
    if (request.method === 'GET' && path === `${profile}/connectorGroups`) return ok({ value: tenant.groups });
    const groupApps = new RegExp(`^${profile}/connectorGroups/([^/]+)/applications$`).exec(path);
    if (request.method === 'GET' && groupApps) {
      const group = tenant.groups.find((candidate) => candidate.id === groupApps[1]);
      if (!group) return notFound(groupApps[1] ?? '');
      // An app on no group of its own is on the Default group (docs/reference/domain.md §5.3).
      return ok({
        value: tenant.apps
          .filter(
            (app) =>
              app.onPremisesPublishing &&
              (app.connectorGroupId ?? tenant.groups.find((candidate) => candidate.isDefault)?.id) === group.id,
          )
          .map((app) => ({ id: app.id, appId: app.appId, displayName: app.displayName })),
      });
    }
    const members = new RegExp(`^${profile}/connectorGroups/([^/]+)/members$`).exec(path);
    if (request.method === 'GET' && members) {
      const group = tenant.groups.find((candidate) => candidate.id === members[1]);
      if (!group) return notFound(members[1] ?? '');
      return ok({ value: tenant.connectors.filter((connector) => connector.groupId === group.id).map(shown) });
    }
    // "Intune Graph APIs require an active Intune license for the tenant" (docs/reference/domain.md §4.3 [S18]).
    if (path.startsWith('/beta/deviceManagement/') && !(scenario.servicePlans ?? []).includes('INTUNE_A')) {
      record(403);
      return graphError(response, 403, 'Forbidden', 'The tenant needs an Intune license to use this API.');
    }
    if (request.method === 'GET' && path === '/beta/deviceManagement/deviceConfigurations') {
      const size = scenario.pageSize ?? 2;
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
      const page = tenant.configurations.slice(skip, skip + size);
      const next =
        skip + size < tenant.configurations.length
          ? `https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations?$skiptoken=${skip + size}`
          : undefined;
      return ok({
        '@odata.context': 'https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceConfigurations',
        value: page,
        ...(next ? { '@odata.nextLink': next } : {}),
      });
    }
    const configuration = /^\/beta\/deviceManagement\/deviceConfigurations\/([^/]+)$/.exec(path);
    if (request.method === 'PATCH' && configuration) {
      // Intune Administrator or Global Administrator may change device configurations.
      const held = scenario.roles ?? [];
      if (
        !held.includes('3a2c62db-5318-420d-8d74-23affee5d9d5') &&
        !held.includes('62e90394-69f5-4237-9190-012177145e10')
      ) {
        record(403);
        return graphError(
          response,
          403,
          'Forbidden',
          'Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementConfiguration.ReadWrite.All',
        );
      }
      return void readBody(request).then((body) => {
        const target = tenant.configurations.find((candidate) => candidate.id === configuration[1]);
        if (!target) return notFound(configuration[1] ?? '');
        // The derived type names the entity being patched; a missing or different one is refused.
        if (body?.['@odata.type'] !== target['@odata.type'])
          return badRequest(
            `The @odata.type '${String(body?.['@odata.type'] ?? '')}' does not match the entity's type '${target['@odata.type']}'.`,
          );
        for (const key of Object.keys(body ?? {}))
          if (!['@odata.type', 'scepServerUrls', 'displayName', 'description'].includes(key))
            return badRequest(`Property '${key}' does not exist on type '${target['@odata.type'].replace('#', '')}'.`);
        if (body?.scepServerUrls !== undefined) {
          if (!Array.isArray(body.scepServerUrls) || body.scepServerUrls.some((item) => typeof item !== 'string'))
            return badRequest("Property 'scepServerUrls' must be a collection of strings.");
          target.scepServerUrls = body.scepServerUrls as string[];
        }
        target.lastModifiedDateTime = new Date().toISOString();
        record(200);
        send(response, 200, target);
      });
    }
    const injected = isWrite
      ? (scenario.failWrites ?? []).find(
          (failure) => !spent.has(failure) && failure.method === request.method && new RegExp(failure.path).test(path),
        )
      : undefined;
    if (injected) {
      spent.add(injected);
      record(injected.status);
      return graphError(response, injected.status, injected.code, injected.message);
    }
    return void readBody(request).then((body) => {
      if (request.method === 'POST' && path === `${profile}/connectorGroups`) {
        const name = typeof body?.name === 'string' ? body.name : '';
        if (!name) return badRequest('A connector group needs a name.');
        if (tenant.groups.some((group) => group.name === name))
          return badRequest(`A connector group named '${name}' already exists.`);
        const group = {
          id: randomUUID(),
          name,
          connectorGroupType: 'applicationProxy',
          region: 'eur',
          isDefault: false,
        };
        tenant.groups.push(group);
        record(201);
        return send(response, 201, group);
      }
      const memberOf = new RegExp(`^${profile}/connectors/([^/]+)/memberOf/\\$ref$`).exec(path);
      if (request.method === 'POST' && memberOf) {
        const connector = tenant.connectors.find((candidate) => candidate.id === memberOf[1]);
        const groupId = /connectorGroups\/([^/]+)$/i.exec(String(body?.['@odata.id'] ?? ''))?.[1];
        const group = tenant.groups.find((candidate) => candidate.id === groupId);
        if (!connector || !group) return notFound(memberOf[1] ?? '');
        connector.groupId = group.id;
        return noContent();
      }
      // Deleting a group Graph allows only when no connector and no app is in it (docs/reference/domain.md §5.3).
      const groupById = new RegExp(`^${profile}/connectorGroups/([^/]+)$`).exec(path);
      if (request.method === 'DELETE' && groupById) {
        const group = tenant.groups.find((candidate) => candidate.id === groupById[1]);
        if (!group) return notFound(groupById[1] ?? '');
        if (
          tenant.connectors.some((connector) => connector.groupId === group.id) ||
          tenant.apps.some((app) => app.connectorGroupId === group.id)
        )
          return badRequest('The connector group cannot be deleted while it has connectors or applications assigned.');
        tenant.groups = tenant.groups.filter((candidate) => candidate !== group);
        return noContent();
      }
      const spById = /^\/v1\.0\/servicePrincipals\/([^/]+)$/.exec(path);
      if (request.method === 'DELETE' && spById) {
        const sp = tenant.servicePrincipals.find((candidate) => candidate.id === spById[1]);
        if (!sp) return notFound(spById[1] ?? '');
        tenant.servicePrincipals = tenant.servicePrincipals.filter((candidate) => candidate !== sp);
        return noContent();
      }
      const appById = /^\/v1\.0\/applications\/([^/]+)$/.exec(path);
      if (request.method === 'DELETE' && appById) {
        const target = tenant.apps.find((candidate) => candidate.id === appById[1]);
        if (!target) return notFound(appById[1] ?? '');
        tenant.apps = tenant.apps.filter((candidate) => candidate !== target);
        // Deleting an application removes its service principal in the home tenant too.
        tenant.servicePrincipals = tenant.servicePrincipals.filter((candidate) => candidate.appId !== target.appId);
        return noContent();
      }
      const template = /^\/v1\.0\/applicationTemplates\/([^/]+)\/instantiate$/.exec(path);
      if (request.method === 'POST' && template) {
        if (template[1] !== '8adf8e6e-67b2-4cf2-a259-e3dc5476c621') return notFound(template[1] ?? '');
        const displayName = typeof body?.displayName === 'string' ? body.displayName : '';
        if (!displayName) return badRequest("Property 'displayName' is required.");
        const app: TenantApp = {
          id: randomUUID(),
          appId: randomUUID(),
          displayName,
          identifierUris: [],
          web: { redirectUris: [], homePageUrl: null },
          onPremisesPublishing: null,
          connectorGroupId: null,
          unreadable: scenario.replicationLag ?? 0,
          applicationTemplateId: template[1],
        };
        tenant.apps.push(app);
        const sp = {
          id: randomUUID(),
          appId: app.appId,
          displayName,
          tags: [
            'WindowsAzureActiveDirectoryCustomSingleSignOnApplication',
            'WindowsAzureActiveDirectoryIntegratedApp',
          ],
        };
        tenant.servicePrincipals.push(sp);
        record(201);
        return send(response, 201, {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.applicationServicePrincipal',
          application: {
            id: app.id,
            appId: app.appId,
            applicationTemplateId: template[1],
            displayName,
            signInAudience: 'AzureADMyOrg',
            web: app.web,
          },
          servicePrincipal: { id: sp.id, appId: sp.appId, appRoleAssignmentRequired: true, displayName, tags: sp.tags },
        });
      }
      if (request.method === 'GET' && path === '/beta/servicePrincipals') {
        const tag = /tags\/any\(t:t eq '([^']+)'\)/.exec(url.searchParams.get('$filter') ?? '')?.[1];
        return ok({
          value: tenant.servicePrincipals
            .filter((sp) => !tag || sp.tags.includes(tag))
            .map((sp) => ({ id: sp.id, appId: sp.appId, displayName: sp.displayName })),
        });
      }
      if (request.method === 'GET' && path === '/v1.0/applications') {
        const name = /^displayName eq '(.*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
        return ok({
          value: tenant.apps
            .filter((app) => name === undefined || app.displayName === name)
            .map((app) => ({ id: app.id, appId: app.appId, displayName: app.displayName })),
        });
      }
      const byAppId = /^\/beta\/applications\(appId='([^']+)'\)$/.exec(path);
      const byId = /^\/(v1\.0|beta)\/applications\/([^/]+)$/.exec(path);
      const app = byAppId
        ? tenant.apps.find((candidate) => candidate.appId === byAppId[1])
        : byId
          ? tenant.apps.find((candidate) => candidate.id === byId[2])
          : undefined;
      const beta = byAppId !== null || byId?.[1] === 'beta';
      const view = (one: TenantApp) => ({
        id: one.id,
        appId: one.appId,
        displayName: one.displayName,
        identifierUris: one.identifierUris,
        web: one.web,
        notes: one.notes ?? null,
        applicationTemplateId: one.applicationTemplateId ?? null,
        ...(beta ? { onPremisesPublishing: one.onPremisesPublishing } : {}),
      });
      if (request.method === 'GET' && (byAppId || byId)) {
        if (!app) return notFound(byAppId?.[1] ?? byId?.[2] ?? '');
        if (app.unreadable > 0) {
          app.unreadable -= 1;
          return notFound(app.id);
        }
        return ok(view(app));
      }
      if (request.method === 'PATCH' && byId) {
        if (!app || app.unreadable > 0) return notFound(byId[2] ?? '');
        for (const key of Object.keys(body ?? {}))
          if (!APPLICATION_PROPERTIES.has(key))
            return badRequest(`Property '${key}' does not exist on type 'microsoft.graph.application'.`);
        if (body?.onPremisesPublishing !== undefined) {
          if (byId[1] !== 'beta')
            return badRequest("Property 'onPremisesPublishing' does not exist on type 'microsoft.graph.application'.");
          // learn.microsoft.com/graph/errors: 403 when "the user does not have enough permission or does
          // not have a required license". Microsoft does not document the exact text for application
          // proxy; the lab's messages follow Graph's pattern for a missing licence ("The tenant needs an
          // AAD Premium 2 license.", microsoft/EntraExporter#61) and say which feature is off.
          if (!mayPublish) {
            record(403);
            return graphError(
              response,
              403,
              'Authorization_RequestDenied',
              'Insufficient privileges to complete the operation.',
            );
          }
          if (!(scenario.servicePlans ?? []).some((plan) => plan === 'AAD_PREMIUM' || plan === 'AAD_PREMIUM_P2')) {
            record(403);
            return graphError(
              response,
              403,
              'Authorization_RequestDenied',
              'The tenant needs a Microsoft Entra ID P1 or P2 license to use application proxy.',
            );
          }
          if (scenario.appProxyEnabled === false) {
            record(403);
            return graphError(
              response,
              403,
              'Authorization_RequestDenied',
              'Application proxy is not enabled for this tenant.',
            );
          }
          const publishing = { ...(body.onPremisesPublishing as Record<string, unknown>) };
          if ('verifiedCustomDomainCertificatesMetadata' in publishing)
            return badRequest("Property 'verifiedCustomDomainCertificatesMetadata' is read-only.");
          for (const key of Object.keys(publishing))
            if (!PUBLISHING_PROPERTIES.has(key))
              return badRequest(`Property '${key}' does not exist on type 'microsoft.graph.onPremisesPublishing'.`);
          // The custom domain's PFX: exactly the shape Microsoft's sample sends (learn.microsoft.com/entra/
          // identity/app-proxy/scripts/powershell-get-custom-domain-replace-cert): a keyCredential
          // {type: "X509CertAndPassword", value: base64 PFX} with a passwordCredential {value}.
          const keyCredential = publishing.verifiedCustomDomainKeyCredential as Record<string, unknown> | undefined;
          const passwordCredential = publishing.verifiedCustomDomainPasswordCredential as
            Record<string, unknown> | undefined;
          delete publishing.verifiedCustomDomainKeyCredential;
          delete publishing.verifiedCustomDomainPasswordCredential;
          let uploaded: { names: string[]; metadata: CertificateMetadata } | null = null;
          if (keyCredential !== undefined || passwordCredential !== undefined) {
            if (
              !keyCredential ||
              typeof keyCredential !== 'object' ||
              !passwordCredential ||
              typeof passwordCredential !== 'object'
            )
              return badRequest(
                'verifiedCustomDomainKeyCredential and verifiedCustomDomainPasswordCredential go together.',
              );
            for (const key of Object.keys(keyCredential))
              if (!['type', 'value'].includes(key))
                return badRequest(`Property '${key}' is not accepted in verifiedCustomDomainKeyCredential.`);
            for (const key of Object.keys(passwordCredential))
              if (key !== 'value')
                return badRequest(`Property '${key}' is not accepted in verifiedCustomDomainPasswordCredential.`);
            if (keyCredential.type !== 'X509CertAndPassword')
              return badRequest(
                `Requested value '${String(keyCredential.type)}' is not a key credential type for a custom domain: use X509CertAndPassword.`,
              );
            if (typeof keyCredential.value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyCredential.value))
              return badRequest('verifiedCustomDomainKeyCredential.value must be the PFX in base64.');
            if (typeof passwordCredential.value !== 'string' || !/^[0-9A-Za-z]+$/.test(passwordCredential.value))
              return badRequest('The certificate password may contain only the characters 0-9, A-Z and a-z.');
            const opened = openPfx(keyCredential.value, passwordCredential.value);
            if (typeof opened === 'string') return badRequest(opened);
            uploaded = opened;
          }
          if (
            publishing.externalAuthenticationType !== undefined &&
            !['passthru', 'aadPreAuthentication'].includes(String(publishing.externalAuthenticationType))
          )
            return badRequest(`Requested value '${String(publishing.externalAuthenticationType)}' was not found.`);
          if (app.identifierUris.length === 0)
            return badRequest(
              'The application must have identifierUris and web redirect URIs before it can be published.',
            );
          const external = String(publishing.externalUrl ?? app.onPremisesPublishing?.externalUrl ?? '');
          const internal = String(publishing.internalUrl ?? app.onPremisesPublishing?.internalUrl ?? '');
          let metadata: CertificateMetadata | null = null;
          if (!new RegExp(`^https://[a-z0-9-]+-${tenantName}\\.msappproxy\\.net/([^?#]*/)?$`).test(external)) {
            // A custom domain: it must be verified in the tenant ("If you don't see the custom domain you
            // want in the dropdown list in External URL, it might not be verified"), and a certificate for
            // it uploaded, here or before (how-to-configure-custom-domain).
            const host = /^https:\/\/([a-z0-9.-]+)\/([^?#]*\/)?$/.exec(external)?.[1];
            if (!host)
              return badRequest(
                'The external URL is not valid: it must be https://<name>-<tenant>.msappproxy.net/ (ending with /), or a verified domain.',
              );
            if (
              !(scenario.verifiedDomains ?? ['contoso.com']).some((domain) => host.endsWith(`.${domain.toLowerCase()}`))
            )
              return badRequest(`The external URL is not valid: ${host} is not on a verified domain of this tenant.`);
            const certificate = [...(uploaded ? [uploaded] : []), ...tenant.certificates].find((candidate) =>
              candidate.names.some((name) => covers(name, host)),
            );
            if (!certificate)
              return badRequest(
                `No certificate has been uploaded for ${host}: upload a PFX for it with verifiedCustomDomainKeyCredential.`,
              );
            metadata = certificate.metadata;
          }
          if (!/^https?:\/\/[^/?#]+\/([^?#]*\/)?$/.test(internal))
            return badRequest('The internal URL is not valid: it must start with http:// or https:// and end with /.');
          if (
            tenant.apps.some(
              (other) =>
                other !== app &&
                String(other.onPremisesPublishing?.externalUrl ?? '').toLowerCase() === external.toLowerCase(),
            )
          )
            return badRequest('The external URL is already used by another application.');
          if (uploaded) tenant.certificates.unshift(uploaded);
          app.onPremisesPublishing = {
            ...(app.onPremisesPublishing ?? {}),
            ...publishing,
            isOnPremPublishingEnabled: true,
            verifiedCustomDomainCertificatesMetadata: metadata,
          };
          const sp = tenant.servicePrincipals.find((candidate) => candidate.appId === app.appId);
          if (sp && !sp.tags.includes('WindowsAzureActiveDirectoryOnPremApp'))
            sp.tags.push('WindowsAzureActiveDirectoryOnPremApp');
        }
        if (Array.isArray(body?.identifierUris)) app.identifierUris = body.identifierUris.map(String);
        if (body?.web && typeof body.web === 'object') app.web = { ...app.web, ...(body.web as TenantApp['web']) };
        if (typeof body?.displayName === 'string') app.displayName = body.displayName;
        if (typeof body?.notes === 'string') app.notes = body.notes;
        return noContent();
      }
      const groupRef = /^\/beta\/applications\/([^/]+)\/connectorGroup(\/\$ref)?$/.exec(path);
      if (groupRef) {
        const target = tenant.apps.find((candidate) => candidate.id === groupRef[1]);
        if (!target) return notFound(groupRef[1] ?? '');
        if (request.method === 'PUT' && groupRef[2]) {
          const groupId = /connectorGroups\/([^/]+)$/i.exec(String(body?.['@odata.id'] ?? ''))?.[1];
          const group = tenant.groups.find((candidate) => candidate.id === groupId);
          if (!group) return notFound(groupId ?? '');
          target.connectorGroupId = group.id;
          return noContent();
        }
        if (request.method === 'GET' && !groupRef[2]) {
          const group = tenant.groups.find(
            (candidate) => candidate.id === (target.connectorGroupId ?? stableId('group:Default')),
          );
          return group ? ok(group) : notFound('connectorGroup');
        }
      }
      if (request.method === 'GET' && path === '/beta/onPremisesPublishingProfiles/applicationProxy') {
        return ok({
          id: 'applicationProxy',
          isEnabled: scenario.appProxyEnabled ?? true,
          isDefaultAccessEnabled: true,
          hybridAgentUpdaterConfiguration: { updateWindow: null, deferUpdateDateTime: null },
        });
      }
      notFound(path);
    });
  };

  const server = https.createServer({ key: certificate.keyPem, cert: certificate.chainPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    use(next) {
      scenario = next ?? {};
      served = 0;
      spent = new Set();
      tenant = newTenant(scenario);
    },
    configurations: () =>
      tenant.configurations.map((configuration) => ({
        id: configuration.id,
        displayName: configuration.displayName,
        odataType: configuration['@odata.type'],
        scepServerUrls: configuration.scepServerUrls ?? [],
      })),
    apps: () =>
      tenant.apps.map((app) => ({
        id: app.id,
        displayName: app.displayName,
        onPremisesPublishing: app.onPremisesPublishing,
        connectorGroup: tenant.groups.find((group) => group.id === app.connectorGroupId)?.name ?? null,
      })),
    connectorGroups: () =>
      tenant.groups.map((group) => ({
        name: group.name,
        connectors: tenant.connectors
          .filter((connector) => connector.groupId === group.id)
          .map((connector) => connector.machineName),
      })),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
