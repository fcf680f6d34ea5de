import { readFileSync } from 'node:fs';
import { isAbsolute, win32 } from 'node:path';
import type { PlannedAction } from '../../../contract/model.ts';
import { checkUrl } from '../../checks/input-rules.ts';
import { CompanionError } from '../../errors.ts';
import { INPUT_REFUSED, type StepContext, type StepResult } from '../step.ts';
import { cloudOf, type CloudProfile } from '../../cloud/clouds.ts';
import { cloudServicesOf } from '../../services.ts';
import { readCloudConnectors, type CloudConnector } from '../../cloud/connectors.ts';
import {
  checkCname,
  customHostProblem,
  inspectPfx,
  verifiedDomainOf,
  PFX_MAX_BYTES,
  type CnameVerdict,
  type PfxFacts,
} from './custom-domain.ts';
import { GraphError, type Graph } from '../../cloud/graph.ts';
import { preflight, preflightLine, refusal } from '../../cloud/preflight.ts';
import { failedPart, type Undo } from './undo.ts';

/**
 * Publishing NDES with Application Proxy through Microsoft Graph (reference docs/reference/domain.md §5.1–§5.3,
 * §6): reconcile with an app already published for this internal URL, else instantiate the
 * custom-app template, wait out replication, set the URIs, set onPremisesPublishing with
 * Passthrough, optionally put it on a dedicated connector group, and read the external URL back.
 * On a verified custom domain (docs/reference/domain.md §6), the PFX is judged on this machine first, the app is
 * published on its msappproxy.net name, then moved to the custom name with the certificate, and the
 * custom name's CNAME is checked against the msappproxy.net name Graph reported.
 */
export const MSCEP_PATH = 'certsrv/mscep/';
const PROFILE = '/onPremisesPublishingProfiles/applicationProxy';
const LABEL = /^[a-z0-9]([a-z0-9-]{0,60}[a-z0-9])?$/;

export interface PublishRequest {
  cloud: CloudProfile;
  appName: string;
  /** The NDES server as the connector reaches it, ending in "/". */
  internalBase: string;
  /** Publish only /certsrv/mscep/ (recommended) or the whole server. */
  mscepOnly: boolean;
  /** The label before "-<tenant>.msappproxy.net". */
  externalLabel: string;
  /** A dedicated connector group by this name, or null for the Default group. */
  groupName: string | null;
  /** The external host on a verified custom domain of the tenant and its PFX, or null for msappproxy.net. */
  customDomain: { host: string; pfxPath: string } | null;
}

const hasControl = (text: string) =>
  [...text].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);

function invalid(message: string, remedy: string): never {
  throw new CompanionError('INVALID_REQUEST', message, remedy);
}

/** `pfx: false` for Verify, which reads what Graph keeps of the certificate and needs no file. */
export function publishRequestOf(
  inputs: Record<string, string>,
  options: { pfx: boolean } = { pfx: true },
): PublishRequest {
  const cloud = cloudOf(inputs.cloud);
  if (!cloud.appProxySuffix)
    invalid(
      `The Application Proxy domain of ${cloud.label} is not documented in the companion's references.`,
      'Publish in the portal for this cloud (the manual steps of this step).',
    );
  const appName = (inputs.appName ?? '').trim();
  if (appName === '' || appName.length > 120 || hasControl(appName) || /[<>]/.test(appName))
    invalid(
      'The application name must be 1 to 120 characters, without control characters or < >.',
      'Type a name such as NDES.',
    );
  const verdict = checkUrl(inputs.internalUrl ?? '', 'internal');
  if (!verdict.ok)
    return invalid(
      `The internal URL was refused: ${verdict.message}`,
      'Type the NDES server as the connector reaches it, e.g. https://ndes01.contoso.local/.',
    );
  // The base only: the SCEP path is published by choice, never typed into the base.
  const internalBase = `${verdict.url.protocol}//${verdict.url.host}/`;
  const label = (inputs.externalLabel?.trim() || appName)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!LABEL.test(label))
    invalid(`"${label.slice(0, 70)}" cannot start an external URL.`, 'Use letters, digits and hyphens, e.g. ndes.');
  const scope = (inputs.scope ?? '').trim().toLowerCase();
  const group = (inputs.connectorGroup ?? '').trim();
  if (group.length > 100 || hasControl(group))
    invalid('The connector group name is too long or holds control characters.', 'Type a short name such as NDES.');
  return {
    cloud,
    appName,
    internalBase,
    mscepOnly: scope === '' || scope.startsWith('mscep'),
    externalLabel: label,
    groupName: group === '' || group.toLowerCase() === 'default' ? null : group,
    customDomain: customDomainOf(inputs, cloud, options.pfx),
  };
}

function customDomainOf(
  inputs: Record<string, string>,
  cloud: CloudProfile,
  pfx: boolean,
): PublishRequest['customDomain'] {
  const host = (inputs.customDomain ?? '')
    .trim()
    .toLowerCase()
    .replace(/^https:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/\.$/, '');
  const pfxPath = (inputs.pfxPath ?? '').trim();
  if (!host) {
    if (pfxPath)
      invalid(
        'A PFX was given, but no custom domain name to publish on.',
        'Type the external host name on your verified domain (e.g. ndes.contoso.com), or leave the PFX empty to publish on msappproxy.net.',
      );
    return null;
  }
  const problem = customHostProblem(host, cloud.appProxySuffix);
  if (problem)
    invalid(
      `The custom domain name was refused: ${problem}`,
      'Type the external host name on a domain verified in your tenant, e.g. ndes.contoso.com.',
    );
  if (!pfx) return { host, pfxPath };
  if (!pfxPath)
    invalid(
      `Publishing on ${host} needs its certificate as a PFX file (private key and full chain).`,
      'Give the path of the .pfx file for this name (CLI: --custom-domain-pfx).',
    );
  if (pfxPath.length > 1024 || hasControl(pfxPath) || !(isAbsolute(pfxPath) || win32.isAbsolute(pfxPath)))
    invalid(
      'The PFX path must be a full path, such as C:\\Certs\\ndes.pfx.',
      'Type the full path of the .pfx file on this server.',
    );
  return { host, pfxPath };
}

/** internalUrl and the external URL's path: the whole server, or only /certsrv/mscep/. */
function publishedPath(request: PublishRequest): string {
  return request.mscepOnly ? MSCEP_PATH : '';
}

export function publishPlan(inputs: Record<string, string>): PlannedAction[] {
  let request: PublishRequest;
  try {
    request = publishRequestOf(inputs);
  } catch (error) {
    return [{ kind: 'manual', title: INPUT_REFUSED, detail: (error as Error).message, changesSystem: false }];
  }
  const graph = request.cloud.graph;
  const internal = `${request.internalBase}${publishedPath(request)}`;
  const external = `https://${request.externalLabel}-<tenant>.${request.cloud.appProxySuffix ?? ''}/${publishedPath(request)}`;
  const custom = request.customDomain;
  const customExternal = custom ? `https://${custom.host}/${publishedPath(request)}` : '';
  return [
    ...(custom
      ? [
          {
            kind: 'file' as const,
            title: `Check the certificate for ${custom.host} on this server, before any cloud call`,
            detail: `${custom.pfxPath}: opens with the password you give (letters and digits only), holds the private key, names ${custom.host} (SAN, or a wildcard for one label), is valid now (warning under 30 days), carries its chain. The password is never saved, shown or journaled.`,
            changesSystem: false,
          },
        ]
      : []),
    {
      kind: 'graph',
      title:
        'Before any change: your active roles (Application Administrator or Global Administrator), the Microsoft Entra ID P1/P2 licence, and application proxy enabled, read now; anything missing or unreadable refuses with nothing changed',
      detail: `GET ${graph}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole?$count=true; GET ${graph}/v1.0/subscribedSkus; GET ${graph}/beta${PROFILE} (isEnabled); GET ${graph}/beta${PROFILE}/connectors`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title:
        'Find an app already published for this internal URL (reconcile, never duplicate; an app that already publishes the whole server with Passthrough is reused as it is)',
      detail: `GET ${graph}/beta/servicePrincipals?$filter=tags/any(t:t eq 'WindowsAzureActiveDirectoryOnPremApp'), then GET ${graph}/beta/applications(appId='…') for each; GET ${graph}/v1.0/applications?$filter=displayName eq '${request.appName.replace(/'/g, "''")}'`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: custom
        ? `Read the tenant name, and check that ${custom.host} is on one of its verified domains`
        : 'Read the tenant name for the external URL',
      detail: `GET ${graph}/v1.0/organization (the initial domain's first label${custom ? '; verifiedDomains' : ''})`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Create the application from the custom template (only when none exists)',
      detail: `POST ${graph}/v1.0/applicationTemplates/${request.cloud.customAppTemplateId}/instantiate {"displayName":"${request.appName}"}`,
      changesSystem: true,
    },
    {
      kind: 'graph',
      title: 'Wait until it can be read (replication)',
      detail: `GET ${graph}/v1.0/applications/{id}, retried while 404`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Set its URIs',
      detail: `PATCH ${graph}/v1.0/applications/{id} {"identifierUris":["api://{appId}"],"web":{"redirectUris":["${external}"],"homePageUrl":"${external}"}}`,
      changesSystem: true,
    },
    {
      kind: 'graph',
      title: `Publish with Passthrough${request.mscepOnly ? ', only /certsrv/mscep/' : ', the whole server'}`,
      detail: `PATCH ${graph}/beta/applications/{id} {"onPremisesPublishing":{"externalAuthenticationType":"passthru","internalUrl":"${internal}","externalUrl":"${external}","isTranslateHostHeaderEnabled":true,"isTranslateLinksInBodyEnabled":false,"applicationServerTimeout":"default"}}`,
      changesSystem: true,
    },
    ...(request.groupName
      ? [
          {
            kind: 'graph' as const,
            title: `Find or create connector group ${request.groupName}`,
            detail: `GET ${graph}/beta${PROFILE}/connectorGroups; POST ${graph}/beta${PROFILE}/connectorGroups {"name":"${request.groupName}"} when missing`,
            changesSystem: true,
          },
          {
            kind: 'graph' as const,
            title: "Move this server's connector into it (apps on its old group lose it)",
            detail: `POST ${graph}/beta${PROFILE}/connectors/{connector id}/memberOf/$ref`,
            changesSystem: true,
          },
          {
            kind: 'graph' as const,
            title: 'Assign the app to the group',
            detail: `PUT ${graph}/beta/applications/{id}/connectorGroup/$ref`,
            changesSystem: true,
          },
        ]
      : []),
    {
      kind: 'graph',
      title: 'If a write fails part-way: undo what this run changed, backwards, and say what is left',
      detail: `POST …/connectors/{id}/memberOf/$ref back to its old group; DELETE ${graph}/v1.0/servicePrincipals/{id} and DELETE ${graph}/v1.0/applications/{id} of the app this run created${request.groupName ? `; DELETE ${graph}/beta${PROFILE}/connectorGroups/{id} of a group this run created` : ''}. Nothing this run did not create is deleted.`,
      changesSystem: true,
    },
    {
      kind: 'graph',
      title: 'Read back the external URL',
      detail: `GET ${graph}/beta/applications/{id}?$select=onPremisesPublishing`,
      changesSystem: false,
    },
    ...(custom
      ? [
          {
            kind: 'graph' as const,
            title: `Upload the certificate and move the external URL to ${customExternal}`,
            detail: `PATCH ${graph}/beta/applications/{id} {"onPremisesPublishing":{"externalUrl":"${customExternal}","verifiedCustomDomainKeyCredential":{"type":"X509CertAndPassword","value":"<the PFX, base64>"},"verifiedCustomDomainPasswordCredential":{"value":"<its password, never shown>"}}}; skipped when the app is already there with this certificate`,
            changesSystem: true,
          },
          {
            kind: 'graph' as const,
            title: 'Read back the external URL and the certificate',
            detail: `GET ${graph}/beta/applications/{id}?$select=onPremisesPublishing (verifiedCustomDomainCertificatesMetadata)`,
            changesSystem: false,
          },
          {
            kind: 'probe' as const,
            title: `Check that ${custom.host} is a CNAME to the app's msappproxy.net name`,
            detail: `DNS CNAME ${custom.host}: must be the msappproxy.net name Graph reported for the app; when it is missing or wrong, the record to create is said (a warning: the app is published all the same)`,
            changesSystem: false,
          },
        ]
      : []),
  ];
}

interface AppView {
  id: string;
  appId: string;
  displayName: string;
  identifierUris?: string[];
  notes?: string | null;
  applicationTemplateId?: string | null;
  web?: { homePageUrl?: string | null; redirectUris?: string[] } | null;
  onPremisesPublishing?: {
    externalAuthenticationType?: string;
    internalUrl?: string;
    externalUrl?: string;
    isTranslateHostHeaderEnabled?: boolean;
    isTranslateLinksInBodyEnabled?: boolean;
    applicationServerTimeout?: string;
    verifiedCustomDomainCertificatesMetadata?: {
      thumbprint?: string;
      subjectName?: string;
      issuerName?: string;
      issueDate?: string;
      expiryDate?: string;
    } | null;
  } | null;
}

/** Written on the apps the companion creates, so a half-made one is recognised, and no other app is taken over. */
export const CREATED_MARK = 'Created by NDES Proxy Companion for';

const same = (a: string | undefined, b: string) => (a ?? '').toLowerCase().replace(/\/+$/, '/') === b.toLowerCase();
const hostOf = (url: string | undefined) => {
  try {
    return new URL(url ?? '').host.toLowerCase();
  } catch {
    return '';
  }
};

interface Found {
  /** Published for exactly this internal URL, or half-made by the companion for it. */
  app: AppView | null;
  /** Another app already publishing this server under another path (the whole server, or only mscep). */
  sameHost: AppView | null;
}

async function findExisting(
  graph: Graph,
  request: PublishRequest,
  internal: string,
  signal?: AbortSignal,
): Promise<Found> {
  const options = { ...(signal ? { signal } : {}), needs: 'Application Administrator (or Global Administrator)' };
  const published = await graph.list<{ appId: string }>(
    `/servicePrincipals?$filter=${encodeURIComponent("tags/any(t:t eq 'WindowsAzureActiveDirectoryOnPremApp')")}&$select=appId,displayName`,
    { ...options, version: 'beta' },
  );
  let sameHost: AppView | null = null;
  for (const sp of published) {
    const app = await graph.get<AppView>(
      `/applications(appId='${encodeURIComponent(sp.appId)}')?$select=id,appId,displayName,identifierUris,notes,web,onPremisesPublishing`,
      { ...options, version: 'beta' },
    );
    if (same(app.onPremisesPublishing?.internalUrl, internal)) return { app, sameHost: null };
    if (hostOf(app.onPremisesPublishing?.internalUrl) === hostOf(internal)) sameHost = app;
  }
  const named = await graph.list<AppView>(
    `/applications?$filter=${encodeURIComponent(`displayName eq '${request.appName.replace(/'/g, "''")}'`)}`,
    options,
  );
  for (const candidate of named) {
    const app = await graph.get<AppView>(
      `/applications/${encodeURIComponent(candidate.id)}?$select=id,appId,displayName,identifierUris,notes,web,onPremisesPublishing,applicationTemplateId`,
      { ...options, version: 'beta' },
    );
    // Only an app this companion created for this URL and did not finish is resumed: marked by it,
    // or just instantiated from the custom template and never touched since (an app registered in
    // the portal under the same name has no template, and is never taken over).
    const justInstantiated =
      !app.identifierUris?.length && app.applicationTemplateId === request.cloud.customAppTemplateId;
    if (!app.onPremisesPublishing?.internalUrl && (app.notes === `${CREATED_MARK} ${internal}` || justInstantiated))
      return { app, sameHost };
  }
  return { app: null, sameHost };
}

interface GroupMove {
  group: { id: string; name: string } | null;
  connector: CloudConnector;
}

/**
 * Before anything changes: this server's connector must be in the tenant and active, and moving it
 * must not leave the apps on its old group without an active connector.
 */
async function planGroupMove(
  context: StepContext,
  graph: Graph,
  request: PublishRequest,
  movingAppId: string | null,
): Promise<GroupMove | StepResult> {
  const options = {
    version: 'beta' as const,
    signal: context.signal,
    needs: 'Application Administrator (or Global Administrator)',
  };
  const local = await context.services.powershell.run('Get-ConnectorState', {
    signal: context.signal,
    onProgress: (message) => context.progress(message),
  });
  const machine = local.data.machineName;
  const connectors = await readCloudConnectors(graph, context.signal);
  const mine = connectors.find((connector) => machine && connector.machineName.toLowerCase() === machine);
  if (!mine || mine.status !== 'active') {
    return {
      passed: false,
      summary: `Refused, nothing was changed: this server's connector (${machine ?? 'name unknown'}) is ${mine ? mine.status : 'not in the tenant'}, so group ${request.groupName ?? ''} would have no working connector for NDES.`,
      remedy:
        'Register the connector (step 4) and check Connector status (step 6), or publish on the Default group (leave the group empty).',
    };
  }
  const groups = await graph.list<{ id: string; name: string }>(`${PROFILE}/connectorGroups`, options);
  // Group names are matched as the portal shows them, whatever their case: "ndes" is the group NDES.
  const group =
    groups.find((candidate) => candidate.name.toLowerCase() === (request.groupName ?? '').toLowerCase()) ?? null;
  const old = mine.group;
  if (old && old.id !== group?.id) {
    const stays = connectors.filter(
      (connector) => connector !== mine && connector.status === 'active' && connector.group?.id === old.id,
    ).length;
    // The app being published moves with the connector: only the others would be stranded.
    const apps = (
      await graph.list<{ id: string; displayName: string }>(
        `${PROFILE}/connectorGroups/${encodeURIComponent(old.id)}/applications`,
        options,
      )
    ).filter((app) => app.id !== movingAppId);
    if (stays === 0 && apps.length > 0) {
      return {
        passed: false,
        summary: `Refused, nothing was changed: moving this server's connector to ${request.groupName ?? ''} would leave ${apps.length} app(s) on group ${old.name} (${apps.map((app) => app.displayName).join(', ')}) without an active connector.`,
        remedy: `Add another connector to ${old.name} first, or publish NDES on ${old.name} (leave the group empty).`,
      };
    }
  }
  return { group, connector: mine };
}

/** The PFX the admin gave, opened and judged before any cloud call; its password comes from StepContext.secrets only. */
interface Certificate {
  bytes: Buffer;
  password: string;
  facts: PfxFacts;
  warnings: string[];
}

function readCertificate(
  context: StepContext,
  custom: NonNullable<PublishRequest['customDomain']>,
): Certificate | StepResult {
  const password = context.secrets.pfxPassword ?? '';
  if (!password) {
    throw new CompanionError(
      'INVALID_REQUEST',
      `The password of ${custom.pfxPath} is needed to check and upload the certificate.`,
      'In the wizard, type it in the PFX password field; with the CLI, pipe it to --pfx-password-stdin. It is used for this run only, never saved.',
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(custom.pfxPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      passed: false,
      summary: `Refused, nothing was changed: the PFX ${custom.pfxPath} could not be read (${code}).`,
      remedy: 'Check the path, and that this account may read the file.',
    };
  }
  if (bytes.length > PFX_MAX_BYTES)
    return {
      passed: false,
      summary: `Refused, nothing was changed: ${custom.pfxPath} is ${Math.round(bytes.length / 1024)} KB, too large for a PFX.`,
      remedy: 'Pick the .pfx file of the certificate for the external name.',
    };
  const inspection = inspectPfx(bytes, password, custom.host, context.services.now());
  if (inspection.errors.length > 0 || !inspection.facts) {
    return {
      passed: false,
      summary: `Refused, nothing was changed: the certificate in ${custom.pfxPath} cannot publish ${custom.host}. ${inspection.errors.map((problem) => problem.message).join(' ')}`,
      remedy: [...new Set(inspection.errors.map((problem) => problem.remedy))].join(' '),
      details: inspection.warnings,
    };
  }
  const facts = inspection.facts;
  context.progress(
    `Certificate for ${custom.host}: ${facts.subject}, issued by ${facts.issuer}, thumbprint ${facts.thumbprint}, valid until ${facts.notAfter}; chain: ${facts.chain.join(' → ') || 'self-signed'}.`,
  );
  for (const warning of inspection.warnings) context.progress(warning, 'warn', undefined, undefined, true);
  return { bytes, password, facts, warnings: inspection.warnings };
}

/**
 * The app's name on the App Proxy domain as Graph reports it (its external URL), or null: the
 * web URIs are not used, since the companion wrote them itself before Graph had answered
 * (docs/reference/domain.md §6: read the name back, never construct it).
 */
function proxyNameOf(app: AppView, suffix: string): string | null {
  const host = hostOf(app.onPremisesPublishing?.externalUrl ?? undefined);
  return host.endsWith(`.${suffix}`) ? host : null;
}

/** The CNAME check of a custom-domain app: against the name Graph reported, or only its domain when none is known. */
async function cnameOf(
  context: StepContext,
  host: string,
  proxyName: string | null,
  suffix: string,
): Promise<CnameVerdict> {
  const options = { timeoutMs: 5_000, signal: context.signal };
  if (proxyName) return checkCname(context.services.net, host, proxyName, options);
  const verdict = await checkCname(context.services.net, host, `<app>.${suffix}`, options);
  if (verdict.found?.endsWith(`.${suffix}`))
    return {
      ...verdict,
      ok: true,
      message: `DNS: ${host} is a CNAME to ${verdict.found}; Microsoft Graph does not show this app's ${suffix} name, so which one it must be is on the app's Application proxy page in the portal.`,
    };
  return {
    ...verdict,
    message: `${verdict.message} The exact ${suffix} name is shown on the app's Application proxy page in the portal.`,
  };
}

const sameThumbprint = (a: string | undefined, b: string) => (a ?? '').replace(/[^0-9a-f]/gi, '').toUpperCase() === b;

/**
 * Another app already publishes this server. One that publishes the whole server with Passthrough
 * serves /certsrv/mscep/ too, so it is reused as it is, and its wider scope said plainly; anything
 * else would expose the server twice, and is refused with the choice that keeps it.
 */
function reuseOf(other: AppView, request: PublishRequest, internal: string): StepResult | null {
  const publishing = other.onPremisesPublishing;
  const wholeServer = same(publishing?.internalUrl, request.internalBase);
  // A pre-authenticated app for the whole server keeps its sign-in; /certsrv/mscep/ gets an app of its own.
  if (request.mscepOnly && wholeServer && publishing?.externalAuthenticationType === 'aadPreAuthentication')
    return null;
  if (
    request.mscepOnly &&
    wholeServer &&
    publishing?.externalAuthenticationType === 'passthru' &&
    publishing.externalUrl
  ) {
    const externalUrl = publishing.externalUrl.replace(/\/?$/, '/');
    const scepUrl = `${externalUrl}${MSCEP_PATH}mscep.dll`;
    const notApplied = [
      request.groupName ? `connector group ${request.groupName}` : null,
      request.customDomain ? `custom domain ${request.customDomain.host}` : null,
    ].filter((item): item is string => item !== null);
    return {
      passed: true,
      summary: `Reused, nothing was changed: "${other.displayName}" already publishes the whole server ${publishing.internalUrl ?? ''} at ${externalUrl} with Passthrough, so /certsrv/mscep/ is served through it. SCEP URL for Intune: ${scepUrl}. Its scope is wider than /certsrv/mscep/: everything this IIS serves (its root, /certsrv/mscep_admin/) is reachable from the internet through it.${notApplied.length ? ` Not applied, since the app was reused as it is: ${notApplied.join(' and ')}.` : ''}`,
      remedy: `To narrow it, remove "${other.displayName}" in Enterprise applications once Intune no longer uses its URL, and run this step again with "mscep only".${notApplied.length ? ` Its connector group and external URL are on its Application proxy page; change them there if needed.` : ''}`,
      details: [
        `Reused "${other.displayName}" (application ${other.id}, appId ${other.appId}): internal ${publishing.internalUrl ?? '?'}, external ${externalUrl}, pre-authentication ${publishing.externalAuthenticationType}.`,
      ],
      evidence: {
        applicationId: other.id,
        appId: other.appId,
        externalUrl,
        internalUrl: publishing.internalUrl,
        scepUrl,
        reused: true,
        scope: 'whole server',
      },
    };
  }
  const its = `"${other.displayName}" already publishes this server as ${publishing?.internalUrl ?? '?'} (${publishing?.externalUrl ?? '?'}${publishing?.externalAuthenticationType === 'passthru' ? '' : `, with ${publishing?.externalAuthenticationType ?? 'unknown'} pre-authentication`})`;
  return {
    passed: false,
    summary: `Refused, nothing was changed: ${its}; a second app for ${internal} would expose it twice.`,
    remedy: request.mscepOnly
      ? `Remove "${other.displayName}" in Enterprise applications, or narrow it so it no longer covers /certsrv/mscep/, then run this step again.`
      : `Publish only /certsrv/mscep/ (CLI: leave out --whole-server; wizard: What to publish = mscep only): "${other.displayName}" is then reused as it is. Or remove it in Enterprise applications first.`,
  };
}

export async function runPublish(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const request = publishRequestOf(context.inputs);
  const custom = request.customDomain;
  const suffix = request.cloud.appProxySuffix ?? '';
  // The certificate is judged on this machine before anything is asked of the cloud.
  let certificate: Certificate | null = null;
  if (custom) {
    const checked = readCertificate(context, custom);
    if ('passed' in checked) return checked;
    certificate = checked;
  }
  const graph = cloudServices.graph({ cloud: request.cloud.name }, context.runId);
  const signal = context.signal;
  const needs = 'Application Administrator (or Global Administrator)';
  const internal = `${request.internalBase}${publishedPath(request)}`;
  const details: string[] = [...(certificate?.warnings ?? [])];

  // Before anything else is asked of the tenant: may this admin publish here at all (read now)?
  context.progress(
    'Checking, before any change, that your account and this tenant may publish through application proxy (read now from Microsoft Graph).',
  );
  const ready = await preflight(graph, 'publish', { signal });
  for (const check of ready.checks)
    context.progress(preflightLine(check), check.status === 'ok' ? 'info' : 'warn', undefined, undefined, true);
  if (!ready.ready) return refusal(ready, 'publishing');
  details.push(...ready.checks.map(preflightLine));

  context.progress('Looking for an app already published for this internal URL.');
  const [found, organization] = await Promise.all([
    findExisting(graph, request, internal, signal),
    graph.get<{ value: { displayName: string; verifiedDomains: { name: string; isInitial: boolean }[] }[] }>(
      '/organization',
      { signal },
    ),
  ]);
  const tenantName = organization.value[0]?.displayName ?? 'the tenant';
  const domains = organization.value[0]?.verifiedDomains ?? [];
  const tenantLabel = domains.find((domain) => domain.isInitial)?.name.split('.')[0] ?? '';
  if (!tenantLabel)
    return {
      passed: false,
      summary: `Refused, nothing was changed: ${tenantName} shows no initial (onmicrosoft) domain, which the default external URL is built on.`,
      remedy: 'Publish in the portal, which shows the external URL it offers, and give it to Verify.',
    };
  if (custom && !verifiedDomainOf(custom.host, domains)) {
    const verified = domains.filter((domain) => !domain.isInitial).map((domain) => domain.name);
    return {
      passed: false,
      summary: `Refused, nothing was changed: ${custom.host} is not on a verified domain of ${tenantName} (its verified custom domains: ${verified.join(', ') || 'none'}).`,
      remedy:
        'Add the domain and verify it in Microsoft Entra admin center > Identity > Settings > Domain names (a TXT record at your registrar), then run this step again; or leave the custom domain empty to publish on msappproxy.net.',
    };
  }
  const external = `https://${request.externalLabel}-${tenantLabel}.${suffix}/${publishedPath(request)}`;
  const customExternal = custom ? `https://${custom.host}/${publishedPath(request)}` : null;
  const existing = found.app;
  if (!existing && found.sameHost) {
    const reused = reuseOf(found.sameHost, request, internal);
    if (reused) return reused;
    details.push(
      `"${found.sameHost.displayName}" publishes the whole server with Microsoft Entra pre-authentication; it stays as it is, and /certsrv/mscep/ gets an app of its own with Passthrough, which SCEP clients need.`,
    );
  }
  const alreadyDone =
    existing?.onPremisesPublishing?.externalAuthenticationType === 'passthru' &&
    same(existing.onPremisesPublishing.internalUrl, internal);
  const preAuthRemoved = existing?.onPremisesPublishing?.externalAuthenticationType === 'aadPreAuthentication';
  const customDone = !!(
    customExternal &&
    certificate &&
    same(existing?.onPremisesPublishing?.externalUrl, customExternal) &&
    sameThumbprint(
      existing?.onPremisesPublishing?.verifiedCustomDomainCertificatesMetadata?.thumbprint,
      certificate.facts.thumbprint,
    )
  );

  const move = request.groupName ? await planGroupMove(context, graph, request, existing?.id ?? null) : null;
  if (move && 'passed' in move) return move;

  if (context.whatIf) {
    const what = alreadyDone
      ? `"${existing?.displayName}" is already published for ${internal} with Passthrough`
      : existing
        ? `"${existing.displayName}" would be completed${preAuthRemoved ? ' (its Microsoft Entra pre-authentication would become Passthrough)' : ''}`
        : `"${request.appName}" would be created`;
    const where =
      customExternal && certificate
        ? `${customExternal}${customDone ? '' : ` (certificate ${certificate.facts.thumbprint} would be uploaded, valid until ${certificate.facts.notAfter})`}`
        : (existing?.onPremisesPublishing?.externalUrl ?? external);
    return { passed: true, summary: `-WhatIf: ${what}; external URL ${where}. Nothing was changed.`, details };
  }

  let app = existing;
  let proxyName: string | null = null;
  // Each write records how to take it back before it is sent (a write Graph leaves unconfirmed may
  // have landed); a failure later replays them backwards. What cannot be taken back is said.
  const undo: Undo[] = [];
  const ids = (one: AppView) => `application ${one.id}, appId ${one.appId}`;
  const appLabel = (one: AppView) => `"${one.displayName}" (${ids(one)})`;
  // A fresh token before the first write: a role activated since it was issued is in the new one.
  await graph.refreshToken();
  try {
    if (!app) {
      context.progress(`Creating "${request.appName}" from the custom application template.`);
      const pending: Undo = {
        what: `an application named "${request.appName}" that Graph may have created (it did not confirm)`,
        byHand: `Microsoft Entra admin center > Identity > Applications > App registrations > All applications: look for "${request.appName}" created just now, and delete it`,
        order: 1,
        run: () =>
          Promise.reject(
            new Error('Graph did not say whether it was created, so the companion does not guess which app to delete.'),
          ),
      };
      undo.push(pending);
      const created = await graph.call<{
        application: { id: string; appId: string };
        servicePrincipal?: { id: string };
      }>('POST', `/applicationTemplates/${request.cloud.customAppTemplateId}/instantiate`, {
        body: { displayName: request.appName },
        signal,
        needs,
      });
      const createdIds = `application ${created.application.id}, appId ${created.application.appId}${created.servicePrincipal ? `, service principal ${created.servicePrincipal.id}` : ''}`;
      details.push(
        `Created application ${created.application.id} (appId ${created.application.appId}) in ${tenantName}.`,
      );
      Object.assign(pending, {
        what: `the application "${request.appName}" and its service principal created by this run (${createdIds})`,
        byHand: `Microsoft Entra admin center > Identity > Applications > App registrations > All applications: delete "${request.appName}" (${createdIds})`,
        run: async () => {
          // The service principal first: deleting the application alone leaves it to a background cleanup.
          if (created.servicePrincipal)
            await graph.call('DELETE', `/servicePrincipals/${encodeURIComponent(created.servicePrincipal.id)}`, {
              needs,
              replicationLag: true,
            });
          await graph.call('DELETE', `/applications/${encodeURIComponent(created.application.id)}`, {
            needs,
            replicationLag: true,
          });
          details.push(
            'The deleted application stays in Deleted applications for 30 days (Microsoft Entra admin center > App registrations > Deleted applications), where it can also be deleted permanently.',
          );
        },
      });
      context.progress('Waiting until the new application can be read (replication).');
      app = await graph.get<AppView>(`/applications/${encodeURIComponent(created.application.id)}`, {
        signal,
        replicationLag: true,
        needs,
      });
    } else {
      details.push(`${alreadyDone ? 'Already published' : 'Completing'}: ${appLabel(app)} in ${tenantName}.`);
    }
    const target = app;
    const createdHere = undo.length > 0;
    const before = existing;
    if (!alreadyDone) {
      if (!target.identifierUris?.length) {
        context.progress('Setting its URIs.');
        if (!createdHere)
          undo.push({
            what: `the URIs set on ${appLabel(target)}`,
            byHand: `App registrations > ${target.displayName} > Expose an API and Authentication: remove api://${target.appId} and ${external}`,
            order: 2,
            run: () =>
              graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
                body: {
                  identifierUris: before?.identifierUris ?? [],
                  web: { redirectUris: before?.web?.redirectUris ?? [], homePageUrl: before?.web?.homePageUrl ?? null },
                  notes: before?.notes ?? null,
                },
                needs,
              }),
          });
        await graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
          body: {
            identifierUris: [`api://${target.appId}`],
            web: { redirectUris: [external], homePageUrl: external },
            notes: `${CREATED_MARK} ${internal}`,
          },
          signal,
          needs,
          replicationLag: true,
        });
      }
      context.progress(`Publishing ${internal} with Passthrough.`);
      const was = before?.onPremisesPublishing;
      if (!createdHere && was?.internalUrl) {
        // Put back exactly what it had, pre-authentication included: Conditional Access applies again.
        undo.push({
          what: `the publishing settings of ${appLabel(target)} (${was.externalAuthenticationType ?? '?'} pre-authentication, internal URL ${was.internalUrl})`,
          byHand: `Enterprise applications > ${target.displayName} > Application proxy: Pre Authentication ${was.externalAuthenticationType === 'aadPreAuthentication' ? 'Microsoft Entra ID' : (was.externalAuthenticationType ?? '?')}, internal URL ${was.internalUrl}`,
          order: 2,
          run: () =>
            graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
              version: 'beta',
              // What it held, and for what it did not say, Graph's documented defaults (docs/reference/domain.md §5.2).
              body: {
                onPremisesPublishing: {
                  externalAuthenticationType: was.externalAuthenticationType,
                  internalUrl: was.internalUrl,
                  isTranslateHostHeaderEnabled: was.isTranslateHostHeaderEnabled ?? true,
                  isTranslateLinksInBodyEnabled: was.isTranslateLinksInBodyEnabled ?? false,
                  applicationServerTimeout: was.applicationServerTimeout ?? 'default',
                },
              },
              needs,
            }),
        });
      } else if (!createdHere) {
        undo.push({
          what: `publishing on ${appLabel(target)}, which an earlier run of the companion created and had not published`,
          byHand: `run this step again to finish it, or delete ${target.displayName} (${ids(target)}) in App registrations`,
          order: 2,
          run: () => Promise.reject(new Error('An app the companion did not create in this run is not deleted.')),
        });
      }
      await graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
        version: 'beta',
        body: {
          onPremisesPublishing: {
            externalAuthenticationType: 'passthru',
            internalUrl: internal,
            externalUrl: existing?.onPremisesPublishing?.externalUrl ?? external,
            isTranslateHostHeaderEnabled: true,
            isTranslateLinksInBodyEnabled: false,
            applicationServerTimeout: 'default',
          },
        },
        signal,
        needs,
        replicationLag: true,
      });
      if (preAuthRemoved)
        details.push(
          'Its Microsoft Entra pre-authentication was replaced by Passthrough: Conditional Access no longer applies to this URL (SCEP clients cannot sign in).',
        );
    }
    if (move && request.groupName) {
      context.progress(`Putting the app on connector group ${request.groupName}.`);
      const options = { version: 'beta' as const, signal, needs };
      let group = move.group;
      if (!group) {
        const name = request.groupName;
        const pendingGroup: Undo = {
          what: `a connector group named ${name} that Graph may have created (it did not confirm)`,
          byHand: `Microsoft Entra admin center > Global Secure Access > Connect > Connectors: delete the group ${name} if it is there and empty`,
          order: 3,
          run: () => Promise.reject(new Error('Graph did not say whether it was created.')),
        };
        undo.push(pendingGroup);
        const made = await graph.call<{ id: string; name: string }>('POST', `${PROFILE}/connectorGroups`, {
          ...options,
          body: { name },
        });
        group = made;
        // Graph deletes only an empty group: this runs after the connector and the app have left it.
        Object.assign(pendingGroup, {
          what: `connector group ${made.name} (${made.id}), created by this run`,
          byHand: `Microsoft Entra admin center > Global Secure Access > Connect > Connectors: delete the group ${made.name} (${made.id}) once it is empty`,
          run: () =>
            graph.call('DELETE', `${PROFILE}/connectorGroups/${encodeURIComponent(made.id)}`, {
              version: 'beta',
              needs,
              replicationLag: true,
            }),
        });
      }
      const home = group;
      const from = move.connector.group;
      if (move.connector.group?.id !== home.id) {
        // Recorded before it is sent: moving back a connector that never moved is harmless.
        if (from)
          undo.push({
            what: `connector ${move.connector.machineName} moved to ${home.name}: back to ${from.name}`,
            byHand: `Microsoft Entra admin center > Global Secure Access > Connect > Connectors: move ${move.connector.machineName} (${move.connector.id}) back to ${from.name}`,
            order: 2,
            run: () =>
              graph.call('POST', `${PROFILE}/connectors/${encodeURIComponent(move.connector.id)}/memberOf/$ref`, {
                version: 'beta',
                needs,
                body: { '@odata.id': `${request.cloud.graph}/beta${PROFILE}/connectorGroups/${from.id}` },
              }),
          });
        await graph.call('POST', `${PROFILE}/connectors/${encodeURIComponent(move.connector.id)}/memberOf/$ref`, {
          ...options,
          body: { '@odata.id': `${request.cloud.graph}/beta${PROFILE}/connectorGroups/${home.id}` },
        });
        details.push(`Moved connector ${move.connector.machineName} from ${from?.name ?? 'no group'} to ${home.name}.`);
      }
      // An app this run did not create goes back to the group it was on; one it created is removed whole.
      if (!createdHere) {
        const was = await graph.get<{ id: string; name: string }>(
          `/applications/${encodeURIComponent(target.id)}/connectorGroup`,
          { version: 'beta', signal, needs },
        );
        if (was.id !== home.id)
          undo.push({
            what: `${appLabel(target)} assigned to ${home.name}: back to ${was.name}`,
            byHand: `Enterprise applications > ${target.displayName} > Application proxy: connector group ${was.name}`,
            order: 2,
            run: () =>
              graph.call('PUT', `/applications/${encodeURIComponent(target.id)}/connectorGroup/$ref`, {
                version: 'beta',
                needs,
                body: { '@odata.id': `${request.cloud.graph}/beta${PROFILE}/connectorGroups/${was.id}` },
              }),
          });
      }
      await graph.call('PUT', `/applications/${encodeURIComponent(target.id)}/connectorGroup/$ref`, {
        ...options,
        body: { '@odata.id': `${request.cloud.graph}/beta${PROFILE}/connectorGroups/${home.id}` },
      });
      details.push(`Assigned to connector group ${home.name}.`);
    }
    if (custom && customExternal && certificate) {
      // The name the custom domain's CNAME must point to, as Graph reports it for this app: read, never built.
      const published = await graph.get<AppView>(
        `/applications/${encodeURIComponent(target.id)}?$select=id,appId,displayName,web,onPremisesPublishing`,
        { version: 'beta', signal, replicationLag: true },
      );
      proxyName = proxyNameOf(published, suffix);
      if (customDone) {
        details.push(`Already on ${customExternal} with certificate ${certificate.facts.thumbprint}.`);
      } else {
        context.progress(
          `Uploading the certificate for ${custom.host} and moving the external URL to ${customExternal}.`,
        );
        const previousExternal = published.onPremisesPublishing?.externalUrl;
        if (!createdHere && previousExternal)
          undo.push({
            what: `the external URL of ${appLabel(target)} moved to ${customExternal}: back to ${previousExternal} (the certificate uploaded for ${custom.host} stays in the tenant)`,
            byHand: `Enterprise applications > ${target.displayName} > Application proxy: external URL ${previousExternal}`,
            order: 2,
            run: () =>
              graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
                version: 'beta',
                body: { onPremisesPublishing: { externalUrl: previousExternal } },
                needs,
              }),
          });
        // The shape Microsoft's own sample sends (learn.microsoft.com/entra/identity/app-proxy/scripts/
        // powershell-get-custom-domain-replace-cert; onPremisesPublishing, Graph beta, docs/reference/domain.md §5.2 [S12]):
        // verifiedCustomDomainKeyCredential {type "X509CertAndPassword", value: the PFX in base64} and
        // verifiedCustomDomainPasswordCredential {value: its password}. Graph calls are journaled by
        // method and URL only, so neither reaches the journal.
        await graph.call('PATCH', `/applications/${encodeURIComponent(target.id)}`, {
          version: 'beta',
          body: {
            onPremisesPublishing: {
              externalUrl: customExternal,
              verifiedCustomDomainKeyCredential: {
                type: 'X509CertAndPassword',
                value: certificate.bytes.toString('base64'),
              },
              verifiedCustomDomainPasswordCredential: { value: certificate.password },
            },
          },
          signal,
          needs,
          replicationLag: true,
        });
        details.push(
          `Uploaded certificate ${certificate.facts.thumbprint} (${certificate.facts.subject}, valid until ${certificate.facts.notAfter}) and moved the external URL to ${customExternal}.`,
        );
      }
    }
  } catch (error) {
    // A refusal after the preflight passed: the tenant is read again, so the remedy follows what is true now.
    const again =
      error instanceof GraphError && (error.status === 403 || error.status === 400)
        ? await preflight(graph, 'publish').catch(() => null)
        : null;
    return await failedPart(context, error, {
      undo,
      details,
      roleConfirmed: ready.checks.find((check) => check.name === 'role')?.message ?? null,
      ...(again && !again.ready ? { nowMissing: again } : {}),
    });
  }

  if (!app)
    throw new CompanionError(
      'INTERNAL',
      'The publish step ended without an application.',
      'Run the step again; it finds what exists.',
    );
  const read = await graph.get<AppView>(
    `/applications/${encodeURIComponent(app.id)}?$select=id,appId,displayName,onPremisesPublishing`,
    { version: 'beta', signal, replicationLag: true },
  );
  const publishing = read.onPremisesPublishing;
  details.push(
    `Internal URL ${publishing?.internalUrl ?? '?'}; external URL ${publishing?.externalUrl ?? '?'}; pre-authentication ${publishing?.externalAuthenticationType ?? '?'}.`,
  );
  if (publishing?.externalAuthenticationType !== 'passthru' || !publishing.externalUrl) {
    return {
      passed: false,
      summary: 'Microsoft Graph does not show the app published with Passthrough after the change.',
      remedy:
        'Open the app in Microsoft Entra admin center > Enterprise applications > Application proxy and compare with the details.',
      details,
    };
  }
  const scepUrl = `${publishing.externalUrl.replace(/\/?$/, '/')}${request.mscepOnly ? '' : MSCEP_PATH}mscep.dll`;
  const evidence = {
    applicationId: read.id,
    appId: read.appId,
    externalUrl: publishing.externalUrl,
    internalUrl: publishing.internalUrl,
    scepUrl,
  };
  const summary = `${alreadyDone && (!custom || customDone) ? 'Already published' : 'Published'}: "${read.displayName}" at ${publishing.externalUrl} with Passthrough${preAuthRemoved ? ' (it had Microsoft Entra pre-authentication, which SCEP clients cannot pass)' : ''}. SCEP URL for Intune: ${scepUrl}`;
  if (!custom || !customExternal || !certificate) return { passed: true, summary, details, evidence };

  const metadata = publishing.verifiedCustomDomainCertificatesMetadata;
  if (
    !same(publishing.externalUrl, customExternal) ||
    !sameThumbprint(metadata?.thumbprint, certificate.facts.thumbprint)
  ) {
    return {
      passed: false,
      summary: `Microsoft Graph does not show the app on ${customExternal} with certificate ${certificate.facts.thumbprint} after the change (it shows ${publishing.externalUrl}, certificate ${metadata?.thumbprint ?? 'none'}).`,
      remedy:
        "Open the app's Application proxy page in Microsoft Entra admin center and compare with the details; then run this step again.",
      details,
    };
  }
  details.push(
    `Certificate as Graph shows it: ${metadata?.subjectName ?? '?'}, thumbprint ${metadata?.thumbprint ?? '?'}, valid until ${metadata?.expiryDate ?? '?'}.`,
  );
  const cname = await cnameOf(context, custom.host, proxyName, suffix);
  details.push(cname.message);
  if (!cname.ok) context.progress(cname.message, 'warn', undefined, undefined, true);
  const warnings = [...certificate.warnings, ...(cname.ok ? [] : [cname.message])];
  return {
    passed: true,
    summary: `${summary}${cname.ok ? ` ${cname.message}` : ''}${warnings.length ? ` Warning: ${warnings.join(' ')}` : ''}`,
    ...(cname.ok
      ? {}
      : {
          remedy: `Create the DNS record "${cname.record}" at your DNS provider; then Verify (this step, or step 8) checks it again.`,
        }),
    details,
    evidence: {
      ...evidence,
      customDomain: custom.host,
      proxyName,
      certificate: {
        thumbprint: certificate.facts.thumbprint,
        subject: certificate.facts.subject,
        notAfter: certificate.facts.notAfter,
      },
      cname: { ok: cname.ok, found: cname.found, record: cname.record },
    },
  };
}

/** The app for this internal URL: published with Passthrough, and its external URL; on a custom domain, its certificate and CNAME. */
export async function verifyPublish(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const request = publishRequestOf(context.inputs, { pfx: false });
  const graph = cloudServices.graph({ cloud: request.cloud.name }, context.runId);
  const internal = `${request.internalBase}${publishedPath(request)}`;
  const suffix = request.cloud.appProxySuffix ?? '';
  const { app, sameHost } = await findExisting(graph, request, internal, context.signal);
  const reused = !app && sameHost ? reuseOf(sameHost, request, internal) : null;
  if (reused?.passed)
    return {
      ...reused,
      summary: reused.summary.replace(/^Reused, nothing was changed: /, 'Served by an app that publishes more: '),
    };
  const publishing = app?.onPremisesPublishing;
  if (!app || !publishing?.internalUrl)
    return { passed: false, summary: `No app is published for ${internal}.`, remedy: 'Run this step.' };
  if (publishing.externalAuthenticationType !== 'passthru')
    return {
      passed: false,
      summary: `"${app.displayName}" is published for ${internal}, but with ${publishing.externalAuthenticationType ?? 'unknown'} pre-authentication: SCEP clients cannot sign in.`,
      remedy: 'Run this step: it sets Passthrough.',
    };
  const evidence = { applicationId: app.id, externalUrl: publishing.externalUrl, internalUrl: publishing.internalUrl };
  const host = hostOf(publishing.externalUrl);
  const wanted = request.customDomain?.host;
  if (wanted && host !== wanted)
    return {
      passed: false,
      summary: `"${app.displayName}" is published at ${publishing.externalUrl ?? '?'}, not on ${wanted}.`,
      remedy: 'Run this step: it uploads the certificate and moves the external URL to the custom domain.',
      evidence,
    };
  const passed = `"${app.displayName}" is published at ${publishing.externalUrl ?? '?'} for ${internal} with Passthrough.`;
  if (!host || host.endsWith(`.${suffix}`)) return { passed: true, summary: passed, evidence };

  // On a custom domain: the certificate Graph keeps for it, and the CNAME devices resolve.
  const metadata = publishing.verifiedCustomDomainCertificatesMetadata;
  if (!metadata?.thumbprint)
    return {
      passed: false,
      summary: `"${app.displayName}" is published at ${publishing.externalUrl ?? '?'}, but Microsoft Graph shows no certificate for ${host}.`,
      remedy: 'Run this step with the PFX for the name.',
      evidence,
    };
  const expiry = metadata.expiryDate ? new Date(metadata.expiryDate) : null;
  if (expiry && expiry.getTime() <= context.services.now().getTime())
    return {
      passed: false,
      summary: `The certificate for ${host} (thumbprint ${metadata.thumbprint}) expired on ${expiry.toISOString()}: devices cannot connect.`,
      remedy: 'Renew it, export it as a PFX with its chain, and run this step with it.',
      evidence,
    };
  const cname = await cnameOf(context, host, proxyNameOf(app, suffix), suffix);
  const certificate = `Certificate ${metadata.subjectName ?? '?'}, thumbprint ${metadata.thumbprint}, valid until ${metadata.expiryDate ?? '?'}.`;
  return {
    passed: true,
    summary: `${passed} ${certificate} ${cname.ok ? cname.message : `Warning: ${cname.message}`}`,
    ...(cname.ok ? {} : { remedy: `Create the DNS record "${cname.record}" at your DNS provider, then Verify again.` }),
    details: [certificate, cname.message],
    evidence: { ...evidence, certificate: metadata, cname: { ok: cname.ok, found: cname.found, record: cname.record } },
  };
}
