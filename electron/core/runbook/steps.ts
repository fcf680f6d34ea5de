import type { InputSpec, StepId } from '../../contract/model.ts';
import { docs } from './docs.ts';
import { DEFAULT_LONG_URL_KB, DEFAULT_TIMEOUT_SECONDS, checkCapability } from './check-steps.ts';
import { shown, type StepDefinition, type StepResult } from './step.ts';
import { outboundEndpoints } from '../checks/outbound/endpoints.ts';
import { scepRequests } from '../checks/scep/reachability.ts';
import { INSTALLER_NAMES, installPlan, runInstall, verifyInstall } from '../connector/install.ts';
import { registerPlan, runRegister, verifyRegister } from '../connector/register.ts';
import { reportPlan, runReport, verifyReport } from '../report/report-step.ts';
import { proxyPlan, runProxy, verifyProxy } from '../connector/proxy.ts';
import { runSignIn, signInPlan, verifySignIn } from '../cloud/sign-in-step.ts';
import { connectorStatusPlan, runConnectorStatus } from '../cloud/connector-status.ts';
import { publishPlan, runPublish, verifyPublish } from '../cloud/publish.ts';
import { intunePlan, runIntune, verifyIntune } from '../cloud/intune.ts';

/** A base URL as the checks use it: ending in "/". */
function base(inputs: Record<string, string>, id: string, placeholder: string): string {
  const value = shown(inputs, id, placeholder);
  return value.endsWith('/') ? value : `${value}/`;
}

function longUrlKbOf(inputs: Record<string, string>): number {
  const value = Number(inputs.longUrlKb?.trim() || DEFAULT_LONG_URL_KB);
  return Number.isInteger(value) && value >= 1 && value <= 31 ? value : DEFAULT_LONG_URL_KB;
}

/**
 * What Publish read back, for Verify and Intune to default to: the external URL as Graph shows it,
 * the SCEP URL devices call, and the server URL the probes add /certsrv/mscep/mscep.dll to.
 */
export function publishReadBack(result: StepResult): Record<string, string> {
  const evidence = (result.evidence ?? {}) as { externalUrl?: unknown; scepUrl?: unknown };
  if (typeof evidence.externalUrl !== 'string' || !/^https:\/\//i.test(evidence.externalUrl)) return {};
  const external = evidence.externalUrl.replace(/\/?$/, '/');
  const scepUrl =
    typeof evidence.scepUrl === 'string' && evidence.scepUrl
      ? evidence.scepUrl
      : `${external}${/\/certsrv\/mscep\/$/i.test(external) ? '' : 'certsrv/mscep/'}mscep.dll`;
  return { externalUrl: evidence.externalUrl, scepUrl, serverUrl: scepUrl.replace(/certsrv\/mscep\/mscep\.dll$/i, '') };
}

const probeSettings: InputSpec[] = [
  {
    id: 'timeoutSeconds',
    label: 'Probe timeout (seconds)',
    help: `Each probe gives up after this long; default ${DEFAULT_TIMEOUT_SECONDS}.`,
    kind: 'text',
    required: false,
    placeholder: String(DEFAULT_TIMEOUT_SECONDS),
  },
  {
    id: 'longUrlKb',
    label: 'Long-URL probe size (KB)',
    help: `1 to 31; Intune requests can be long, default ${DEFAULT_LONG_URL_KB}.`,
    kind: 'text',
    required: false,
    placeholder: String(DEFAULT_LONG_URL_KB),
  },
];

/** The ten steps of DESIGN.md §1, in order. */
export const steps: readonly StepDefinition[] = [
  {
    id: 'readiness',
    title: 'Readiness',
    summary: 'Check this server, NDES/IIS and the outbound path before changing anything.',
    why: {
      text: 'Most NDES-behind-App-Proxy failures (TLS 1.2 off, URL limits, TLS inspection, expired RA certificates) are visible before the first change.',
      docUrl: docs.configureConnectors,
    },
    inputs: [
      {
        id: 'internalUrl',
        label: 'Internal NDES URL',
        help: 'The URL the connector uses to reach NDES, e.g. https://ndes01.contoso.local/. Without it the SCEP checks are skipped.',
        kind: 'url',
        required: false,
        placeholder: 'https://ndes01.contoso.local/',
      },
      {
        id: 'proxyAddress',
        label: 'Outbound proxy',
        help: 'Only if this server reaches the internet through a proxy, e.g. http://proxy.contoso.local:8080',
        kind: 'url',
        required: false,
        placeholder: 'http://proxy:8080',
      },
      {
        id: 'tenantId',
        label: 'Tenant ID',
        help: "Adds the connector's bootstrap endpoint (<tenant>.bootstrap.msappproxy.net) to the outbound checks.",
        kind: 'text',
        required: false,
        placeholder: '00000000-0000-0000-0000-000000000000',
      },
      ...probeSettings,
    ],
    cloud: false,
    // Built from the lists the checks themselves probe, so the plan shows exactly what runs.
    plan: (inputs) => [
      {
        kind: 'powershell',
        title: 'Gather host and NDES/IIS facts (read only)',
        detail: 'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Get-HostReadiness.ps1',
        changesSystem: false,
      },
      ...(inputs.proxyAddress?.trim()
        ? []
        : [
            {
              kind: 'probe' as const,
              title: 'This server resolves public names',
              detail: 'DNS login.microsoftonline.com, www.microsoft.com',
              changesSystem: false,
            },
          ]),
      {
        kind: 'probe',
        title: `Outbound endpoints: ${inputs.proxyAddress?.trim() ? 'CONNECT through the proxy' : 'DNS, TCP'}, TLS issuer on 443 (TLS inspection), HTTP on 80`,
        detail: `${outboundEndpoints(inputs.tenantId?.trim() || undefined)
          .map((endpoint) => `${endpoint.host}:${endpoint.port}`)
          .join(', ')}${inputs.proxyAddress?.trim() ? ` via ${inputs.proxyAddress.trim()}` : ''}`,
        changesSystem: false,
      },
      {
        kind: 'probe',
        title: "The clock against Microsoft's (Date header)",
        detail: `GET http://www.microsoft.com/${inputs.proxyAddress?.trim() ? ` via ${inputs.proxyAddress.trim()}` : ''}`,
        changesSystem: false,
      },
      ...(inputs.internalUrl?.trim()
        ? scepRequests(base(inputs, 'internalUrl', 'internal URL'), 'internal', longUrlKbOf(inputs)).map((request) => ({
            kind: 'probe' as const,
            title: `Internal URL: ${request.title}`,
            detail: request.detail,
            changesSystem: false,
          }))
        : []),
    ],
    capability: checkCapability('readiness'),
  },
  {
    id: 'sign-in',
    title: 'Sign-in',
    summary: 'Sign in as an Application Administrator and confirm licence and App Proxy.',
    why: {
      text: 'Publishing requires at least Application Administrator and a Microsoft Entra ID P1/P2 licence.',
      docUrl: docs.protectNdes,
    },
    inputs: [
      {
        id: 'tenant',
        label: 'Tenant (ID or domain)',
        help: 'Leave empty to sign in to your own tenant.',
        kind: 'text',
        required: false,
        placeholder: 'contoso.onmicrosoft.com',
      },
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'global: Microsoft Entra ID worldwide. usgov: US Government. china: operated by 21Vianet.',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov', 'china'],
      },
      {
        id: 'method',
        label: 'Sign-in method',
        help: "device code: a code typed into any browser, on any device; works on Server Core and with IE Enhanced Security Configuration. browser: this server's browser opens the sign-in page and hands the answer back to the companion on http://localhost.",
        kind: 'choice',
        required: false,
        choices: ['device code', 'browser'],
      },
      {
        id: 'proxy',
        label: 'Outbound proxy for the companion',
        help: 'Only if this server reaches Microsoft only through a proxy: http://host:port. The sign-in and every later Graph call go through it (no credentials: the proxy must let this server through).',
        kind: 'url',
        required: false,
        placeholder: 'http://proxy.contoso.local:8080',
      },
    ],
    cloud: true,
    plan: signInPlan,
    whatIf: true,
    capability: { run: runSignIn, verify: verifySignIn },
  },
  {
    id: 'connector-install',
    title: 'Connector install',
    summary: "Install the private network connector from Microsoft's signed installer, without registering yet.",
    why: {
      text: 'A quiet install that does not register lets registration use a token instead of an embedded sign-in page.',
      docUrl: docs.registerConnectorPowerShell,
    },
    inputs: [
      {
        id: 'installerPath',
        label: 'Connector installer',
        help: `${INSTALLER_NAMES[0]} (or the older ${INSTALLER_NAMES[1]}), downloaded to this server from the Application proxy page. The companion copies it where only administrators can write and checks Microsoft's signature on the copy.`,
        kind: 'file',
        required: true,
        placeholder: `C:\\Install\\${INSTALLER_NAMES[0]}`,
      },
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'global: Microsoft Entra ID worldwide. usgov: US Government (the installer gets ENVIRONMENTNAME="AzureUSGovernment").',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov'],
      },
      {
        id: 'upgrade',
        label: 'Replace another installed version',
        help: 'Only when a connector of another version is installed: yes replaces it (its registration is kept).',
        kind: 'choice',
        required: false,
        choices: ['no', 'yes'],
      },
      {
        id: 'waitSeconds',
        label: 'Wait for the services (seconds)',
        help: 'How long to wait for the connector services after the installer returns; default 300.',
        kind: 'text',
        required: false,
        placeholder: '300',
      },
    ],
    cloud: false,
    plan: installPlan,
    whatIf: true,
    capability: { run: runInstall, verify: verifyInstall },
  },
  {
    id: 'registration',
    title: 'Registration',
    summary: 'Sign in for a registration token and register the connector to your tenant with it, on standard input.',
    why: {
      text: 'Token registration avoids the embedded sign-in page that IE Enhanced Security Configuration blocks.',
      docUrl: docs.registerConnectorPowerShell,
    },
    inputs: [
      {
        id: 'tenantId',
        label: 'Tenant ID',
        help: 'The directory (tenant) GUID, from Microsoft Entra admin center > Identity > Overview.',
        kind: 'text',
        required: true,
        placeholder: '00000000-0000-0000-0000-000000000000',
      },
      {
        id: 'reregister',
        label: 'Move from another tenant',
        help: 'Only when this connector is registered to another tenant: yes registers it to this one instead.',
        kind: 'choice',
        required: false,
        choices: ['no', 'yes'],
      },
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'The cloud you signed in to (step 2). The registration sign-in is documented for the global cloud only; elsewhere, register by hand.',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov', 'china'],
      },
      {
        id: 'signIn',
        label: 'Sign in for the token',
        help: "window: a sign-in window opens (the connector's own client, as Microsoft's sample signs in). device-code: a code typed in any browser; not documented for this client and may be refused.",
        kind: 'choice',
        required: false,
        choices: ['window', 'device-code'],
      },
    ],
    cloud: true,
    plan: registerPlan,
    localVerify: true,
    whatIf: true,
    capability: { run: runRegister, verify: verifyRegister },
  },
  {
    id: 'outbound-proxy',
    title: 'Outbound proxy',
    summary: 'Point the connector and its updater at your outbound proxy (optional).',
    why: {
      text: 'The connector cannot authenticate to a proxy; it needs CONNECT to 443 and 80 without TLS inspection.',
      docUrl: docs.connectorsWithProxy,
    },
    inputs: [
      {
        id: 'action',
        label: 'What to do',
        help: "set: point the connector at the proxy. undo: put back what was there before the companion's last proxy change. remove: put back what was there before the companion first changed it.",
        kind: 'choice',
        required: false,
        choices: ['set', 'undo', 'remove'],
      },
      {
        id: 'proxyAddress',
        label: 'Proxy address',
        help: 'http://host:port, e.g. http://proxy.contoso.local:8080. The proxy must let this server through without credentials. Leave empty when the server connects directly.',
        kind: 'url',
        required: false,
        placeholder: 'http://proxy.contoso.local:8080',
      },
      {
        id: 'ndesHost',
        label: 'NDES server name',
        help: 'Kept off the proxy in both configs and in WinHTTP. Leave empty when the connector runs on the NDES server itself.',
        kind: 'text',
        required: false,
        placeholder: 'ndes01.contoso.local',
      },
      {
        id: 'winHttp',
        label: 'WinHTTP proxy',
        help: 'The connector checks certificate chains and CRLs through WinHTTP. auto: set it only when the CRL and OCSP hosts do not answer directly. set: always. keep: leave it alone.',
        kind: 'choice',
        required: false,
        choices: ['auto', 'set', 'keep'],
      },
      {
        id: 'bypass',
        label: 'More WinHTTP bypass entries',
        help: "Hosts that must stay direct for WinHTTP besides <local> and NDES, e.g. your CA's CRL host: pki.contoso.local;*.contoso.local",
        kind: 'text',
        required: false,
        placeholder: 'pki.contoso.local',
      },
    ],
    cloud: false,
    plan: proxyPlan,
    whatIf: true,
    capability: { run: runProxy, verify: verifyProxy },
  },
  {
    id: 'connector-status',
    title: 'Connector status',
    summary: 'Confirm the connector services run here and the tenant sees this connector as active.',
    why: {
      text: 'A connector shows inactive after 60 minutes without reaching the service; two or more per group give high availability.',
      docUrl: docs.troubleshootConnectors,
    },
    inputs: [
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'The cloud you signed in to (step 2).',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov', 'china'],
      },
    ],
    cloud: true,
    plan: connectorStatusPlan,
    capability: { run: runConnectorStatus, verify: runConnectorStatus },
  },
  {
    id: 'publish',
    title: 'Publish',
    summary: 'Publish NDES as an on-premises application with Passthrough pre-authentication.',
    why: {
      text: 'SCEP clients cannot sign in to Microsoft Entra ID, so the app must use Passthrough.',
      docUrl: docs.protectNdes,
    },
    inputs: [
      {
        id: 'appName',
        label: 'Application name',
        help: 'Shown in Enterprise applications; also the start of the external URL.',
        kind: 'text',
        required: true,
        placeholder: 'NDES',
      },
      {
        id: 'internalUrl',
        label: 'Internal URL',
        help: 'The NDES server by its name, as the connector reaches it, e.g. https://ndes01.contoso.local/.',
        kind: 'url',
        required: true,
        placeholder: 'https://ndes01.contoso.local/',
      },
      {
        id: 'scope',
        label: 'What to publish',
        help: "mscep only (recommended): only /certsrv/mscep/ is reachable from the internet, not IIS's root or mscep_admin; the external URL then ends in /certsrv/mscep/. whole server: simpler URLs, but everything this IIS serves is exposed.",
        kind: 'choice',
        required: false,
        choices: ['mscep only', 'whole server'],
      },
      {
        id: 'connectorGroup',
        label: 'Dedicated connector group',
        help: "A group for NDES (recommended by Microsoft's NDES guidance): created if missing, and this server's connector is moved into it. Leave empty to use the Default group.",
        kind: 'text',
        required: false,
        placeholder: 'NDES',
      },
      {
        id: 'externalLabel',
        label: 'External URL label',
        help: 'The part before -<tenant>.msappproxy.net; defaults to the application name.',
        kind: 'text',
        required: false,
        placeholder: 'ndes',
      },
      {
        id: 'customDomain',
        label: 'Custom domain name',
        help: 'Only to publish on your own domain instead of msappproxy.net: the external host name, on a domain verified in your tenant (e.g. ndes.contoso.com). Needs the PFX below; afterwards create the CNAME record the result names.',
        kind: 'text',
        required: false,
        placeholder: 'ndes.contoso.com',
      },
      {
        id: 'pfxPath',
        label: 'Certificate (PFX) for the custom domain',
        help: 'Full path of the .pfx with the private key and its whole chain (a wildcard is fine); its password goes in the password field. Checked on this server before anything is uploaded.',
        kind: 'file',
        required: false,
        placeholder: 'C:\\Certs\\ndes.contoso.com.pfx',
      },
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'The cloud you signed in to (step 2).',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov', 'china'],
      },
    ],
    cloud: true,
    plan: publishPlan,
    readBack: publishReadBack,
    whatIf: true,
    capability: { run: runPublish, verify: verifyPublish },
  },
  {
    id: 'verify',
    title: 'Verify',
    summary: 'Prove IIS and SCEP answer internally and through the external msappproxy.net URL.',
    why: {
      text: 'The seed procedure ends with two manual browser checks; these probes do them properly and catch URL-length limits.',
      docUrl: docs.protectNdes,
    },
    inputs: [
      {
        id: 'internalUrl',
        label: 'Internal URL',
        help: 'As published; lets the companion compare the CA through both URLs.',
        kind: 'url',
        required: false,
        placeholder: 'https://ndes01.contoso.local/',
      },
      {
        id: 'externalUrl',
        label: 'External URL',
        help: 'The msappproxy.net URL from the Publish step: filled in once Publish has read it back; you may type another.',
        kind: 'url',
        required: true,
        placeholder: 'https://ndes-contoso.msappproxy.net/',
        defaultFrom: { stepId: 'publish', value: 'serverUrl' },
      },
      {
        id: 'verifiedDomains',
        label: 'Verified custom domains',
        help: 'Only if the app is published on your own domain: the domains verified in your tenant, comma-separated (e.g. contoso.com). External URLs on them are then accepted.',
        kind: 'text',
        required: false,
        placeholder: 'contoso.com',
      },
      ...probeSettings,
    ],
    cloud: false,
    plan: (inputs) => [
      ...scepRequests(base(inputs, 'externalUrl', 'external URL'), 'external', longUrlKbOf(inputs)).map((request) => ({
        kind: 'probe' as const,
        title: `External URL: ${request.title}`,
        detail: request.detail,
        changesSystem: false,
      })),
      ...(inputs.internalUrl?.trim()
        ? [
            ...scepRequests(base(inputs, 'internalUrl', 'internal URL'), 'internal', longUrlKbOf(inputs)).map(
              (request) => ({
                kind: 'probe' as const,
                title: `Internal URL: ${request.title}`,
                detail: request.detail,
                changesSystem: false,
              }),
            ),
            {
              kind: 'probe' as const,
              title: 'The same CA answers through both URLs',
              detail: 'Compare the CA certificate GetCACert returns through each URL (SHA-256)',
              changesSystem: false,
            },
          ]
        : []),
    ],
    capability: checkCapability('verify'),
  },
  {
    id: 'intune',
    title: 'Intune',
    summary: 'Point the Intune SCEP certificate profiles at the external URL, keeping what it replaced.',
    why: { text: 'Devices only use the new path once their SCEP profile lists it.', docUrl: docs.scepProfile },
    inputs: [
      {
        id: 'action',
        label: 'What to do',
        help: 'list: show every SCEP profile and the proposed change (changes nothing). apply: change the profiles ticked in the list. rollback: put back what the companion replaced.',
        kind: 'choice',
        required: false,
        choices: ['list', 'apply', 'rollback'],
      },
      {
        id: 'externalUrl',
        label: 'External SCEP URL',
        help: 'The SCEP URL the Publish step read back, ending in /certsrv/mscep/mscep.dll: filled in once Publish has run; you may type another.',
        kind: 'url',
        required: true,
        placeholder: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
        defaultFrom: { stepId: 'publish', value: 'scepUrl' },
      },
      {
        id: 'mode',
        label: 'Change',
        help: 'replace: the internal URL makes way for the external one (devices outside the network cannot use it anyway). add: the external URL joins the list (every URL must then work wherever the device is).',
        kind: 'choice',
        required: false,
        choices: ['replace', 'add'],
      },
      {
        id: 'internalUrl',
        label: 'Internal SCEP URL to replace',
        help: 'The URL the profiles use today; only this URL is replaced, and profiles that do not use it are left alone. Left empty, it is the internal URL of the app published for the external URL (the run says which).',
        kind: 'url',
        required: false,
        placeholder: 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll',
      },
      {
        id: 'cloud',
        label: 'Cloud',
        help: 'The cloud you signed in to (step 2).',
        kind: 'choice',
        required: false,
        choices: ['global', 'usgov', 'china'],
      },
    ],
    cloud: true,
    plan: intunePlan,
    whatIf: true,
    capability: { run: runIntune, verify: verifyIntune },
  },
  {
    id: 'report',
    title: 'Report',
    summary: 'Leave a runbook with evidence: Markdown, printable HTML, PDF and JSON.',
    why: {
      text: 'The change record and the next admin need to know what was done and what it proved.',
      docUrl: docs.protectNdes,
    },
    inputs: [
      {
        id: 'formats',
        label: 'Formats',
        help: 'all: Markdown for tickets, HTML to print, PDF (printed by Microsoft Edge or another Chromium-family browser on this machine), JSON for tooling.',
        kind: 'choice',
        required: false,
        choices: ['all', 'markdown', 'html', 'pdf', 'json'],
      },
      {
        id: 'folder',
        label: 'Folder',
        help: "A full path for the files; left empty, a new dated folder under the data folder's Reports.",
        kind: 'text',
        required: false,
        placeholder: 'D:\\Change records\\NDES',
      },
    ],
    cloud: false,
    plan: reportPlan,
    capability: { run: runReport, verify: verifyReport },
  },
];

export function stepById(id: StepId): StepDefinition {
  const step = steps.find((candidate) => candidate.id === id);
  if (!step) throw new Error(`unknown step ${id}`);
  return step;
}
