import type { InputSpec, StepId } from '../../contract/model.ts';
import { checkUrl, GUID } from '../checks/input-rules.ts';
import { manualRegistrationCommand } from '../steps/registration/register.ts';

/**
 * Offline runbook mode (docs/reference/design.md §1): cloud steps become the portal path of Microsoft's guide
 * (mission/seed-app-proxy-protect-ndes.md), written with this admin's values, and what the admin
 * reads off the portal is recorded as "confirmed by the admin", never as verified.
 */

/** What the runbook knows that the portal steps are written with. */
export interface RunbookValues {
  internalUrl: string | null;
  externalUrl: string | null;
  /** This server's DNS name, as Windows reported it. */
  connectorServer: string | null;
  tenantId: string | null;
  appName: string | null;
}

export type Confirmation =
  { ok: true; lines: string[]; readBack?: Record<string, string> } | { ok: false; message: string; remedy: string };

export interface ConfirmSpec {
  /** The fields the admin fills in from the portal, shown in offline mode instead of the step's inputs. */
  fields: InputSpec[];
  judge(inputs: Record<string, string>): Confirmation;
}

const PORTAL = 'Microsoft Entra admin center (https://entra.microsoft.com)';
const APP_PROXY = `${PORTAL} > Identity > Applications > Enterprise applications > Application proxy`;

const or = (value: string | null, placeholder: string) => value ?? placeholder;
const yes = (value: string | undefined) => ['yes', 'y', 'true'].includes((value ?? '').trim().toLowerCase());
const confirmField = (id: string, label: string, help: string): InputSpec => ({
  id,
  label,
  help,
  kind: 'choice',
  required: true,
  choices: ['', 'yes'],
});
const refuse = (message: string, remedy: string): Confirmation => ({ ok: false, message, remedy });

/** The portal path per cloud step, as Microsoft's guide gives it, with this runbook's values. */
export function manualSteps(stepId: StepId, values: RunbookValues): string[] | null {
  const server = or(values.connectorServer, 'this server');
  switch (stepId) {
    case 'sign-in':
      return [
        `Sign in to the ${PORTAL} as at least an Application Administrator.`,
        'Select your username in the upper-right corner and check you are signed in to the directory that uses Application Proxy (Switch directory otherwise).',
        'Browse to Identity > Overview and record the Tenant ID below.',
      ];
    case 'registration':
      return [
        `On ${server}, in an elevated Windows PowerShell, run the connector's own interactive registration: ${manualRegistrationCommand()}`,
        `Sign in with an Application Administrator of tenant ${or(values.tenantId, '<tenant ID>')} (the account must belong to the directory where Application Proxy is enabled; IE Enhanced Security Configuration must allow the sign-in page).`,
        `Open ${APP_PROXY}: the connector on ${server} is listed with the status Active. Record that below.`,
      ];
    case 'connector-status':
      return [
        `Open ${APP_PROXY}.`,
        `Check that ${server} is listed with the status Active and note its connector group.`,
        'For high availability, check that group has at least two active connectors (install a connector on another server otherwise).',
      ];
    case 'publish':
      return [
        `In the ${PORTAL}, select Enterprise applications, then + New application, then On-premises application.`,
        `Name: ${or(values.appName, 'NDES')}. Internal Url: ${values.internalUrl ? `${values.internalUrl.replace(/\/?$/, '/')}certsrv/mscep/ (only SCEP is published; ${values.internalUrl} alone publishes IIS's root too)` : 'https://<NDES server FQDN>/certsrv/mscep/'}.`,
        'Pre Authentication: Passthrough (SCEP cannot do any pre-authentication). Translate URLs in headers: Yes; in application body: No.',
        'Copy the External URL the page shows, then select + Add. Record the External URL below.',
        'Custom domain (optional): choose it in External Url, upload its PFX with the password in the Certificate field, Save, and create the CNAME record the information bar shows.',
      ];
    case 'intune':
      return [
        'In the Intune admin center (https://intune.microsoft.com), open Devices > Configuration, then each SCEP certificate profile (one first, as a pilot).',
        `Under SCEP Server URLs, add ${values.externalUrl ? `${values.externalUrl.replace(/\/?$/, '/')}${/certsrv\/mscep\/$/i.test(values.externalUrl.replace(/\/?$/, '/')) ? '' : 'certsrv/mscep/'}mscep.dll` : 'the external SCEP URL (…/certsrv/mscep/mscep.dll)'}${values.internalUrl ? ` and remove ${values.internalUrl.replace(/\/?$/, '/')}certsrv/mscep/mscep.dll once devices enrol through it` : ''}. Intune tries the URLs of a profile in turn: every URL listed must work wherever the device is.`,
        'Configuration Manager: go to the certificate registration point and adjust the URL there.',
        'Record below the profiles you changed.',
      ];
    default:
      return null;
  }
}

const withSlash = (url: string) => url.replace(/\/?$/, '/');

/**
 * The local steps done without the app, for a reader of the printed runbook: Microsoft's own
 * checks and commands from the guide (mission/seed-app-proxy-protect-ndes.md) and docs/reference/domain.md.
 */
export function handSteps(stepId: StepId, values: RunbookValues): string[] | null {
  const server = or(values.connectorServer, 'the NDES server');
  const internal = values.internalUrl ? withSlash(values.internalUrl) : 'https://<NDES server FQDN>/';
  const external = values.externalUrl
    ? withSlash(values.externalUrl).replace(/certsrv\/mscep\/$/i, '')
    : 'https://<app>-<tenant>.msappproxy.net/';
  switch (stepId) {
    case 'readiness':
      return [
        `On ${server}: Windows Server 2016 or later with .NET Framework 4.7.2 or later (what the current connector requires), and TLS 1.2 for .NET (SchUseStrongCrypto = 1 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319).`,
        `From ${server}: Test-NetConnection -ComputerName login.microsoftonline.com -Port 443 succeeds, as do the other hosts of Microsoft's "Outbound ports and URLs" list for the connector (no TLS inspection for them).`,
        `In a browser on ${server}: ${internal} shows the IIS start page, and ${internal}certsrv/mscep/mscep.dll answers HTTP Error 403 - Forbidden.`,
      ];
    case 'connector-install':
      return [
        `In the ${APP_PROXY}, select Download connector service, read the terms and select Accept terms & Download.`,
        `Copy the installer to ${server} and run it in an elevated prompt: MicrosoftEntraPrivateNetworkConnectorInstaller.exe REGISTERCONNECTOR="false" /q (or run it interactively and register in its wizard).`,
        'Check both services run: Get-Service WAPCSvc, WAPCUpdaterSvc.',
      ];
    case 'outbound-proxy':
      return [
        `Only when ${server} reaches the internet through a proxy: in an elevated Windows PowerShell, run & "C:\\Program Files\\Microsoft Entra private network connector\\ConfigureOutBoundProxy.ps1" -ProxyAddress http://<proxy>:<port>.`,
        'Restart both services: Restart-Service WAPCSvc, WAPCUpdaterSvc.',
      ];
    case 'verify':
      return [
        `In a browser outside the company network: ${external} shows the IIS start page (the whole server published) or ${external}certsrv/mscep/ answers (only SCEP published).`,
        `${external}certsrv/mscep/mscep.dll answers HTTP Error 403 - Forbidden, and ${external}certsrv/mscep/mscep.dll?operation=GetCACaps&message=default lists the CA's capabilities.`,
      ];
    case 'report':
      return ["Keep this runbook with the change record; note each step's outcome in it as you go."];
    default:
      return null;
  }
}

/** What the admin records per cloud step in offline mode, and how it is checked. */
export const CONFIRMATIONS: Partial<Record<StepId, ConfirmSpec>> = {
  'sign-in': {
    fields: [
      {
        id: 'tenantId',
        label: 'Tenant ID read in the portal',
        help: 'Identity > Overview > Tenant ID: a GUID such as 00000000-0000-0000-0000-000000000000.',
        kind: 'text',
        required: true,
        placeholder: '00000000-0000-0000-0000-000000000000',
      },
    ],
    judge(inputs) {
      const tenant = (inputs.tenantId ?? '').trim();
      if (!GUID.test(tenant))
        return refuse(
          tenant === '' ? 'No tenant ID was recorded.' : `"${tenant.slice(0, 80)}" is not a tenant ID.`,
          'Copy the Tenant ID from Identity > Overview: a GUID such as 00000000-0000-0000-0000-000000000000.',
        );
      return { ok: true, lines: [`Tenant ID ${tenant.toLowerCase()}, as read in the portal.`] };
    },
  },
  registration: {
    fields: [
      confirmField(
        'connectorActive',
        "The portal lists this server's connector as Active",
        'Choose yes once Application proxy shows the connector on this server with the status Active.',
      ),
    ],
    judge(inputs) {
      if (!yes(inputs.connectorActive))
        return refuse(
          'The connector was not confirmed as Active.',
          'Register the connector as planned, check the Application proxy page, and choose yes once it shows Active.',
        );
      return { ok: true, lines: ["The Application proxy page lists this server's connector as Active."] };
    },
  },
  'connector-status': {
    fields: [
      confirmField(
        'connectorActive',
        "This server's connector is Active",
        'Choose yes once the Application proxy page shows it Active.',
      ),
      {
        id: 'connectorGroup',
        label: 'Its connector group',
        help: 'As the Application proxy page shows it, e.g. Default or NDES.',
        kind: 'text',
        required: false,
        placeholder: 'Default',
      },
      {
        id: 'activeInGroup',
        label: 'Active connectors in that group',
        help: 'A number; fewer than 2 means no high availability.',
        kind: 'text',
        required: false,
        placeholder: '2',
      },
    ],
    judge(inputs) {
      if (!yes(inputs.connectorActive))
        return refuse(
          'The connector was not confirmed as Active.',
          "Check the Application proxy page; an inactive connector cannot carry NDES traffic (see Connector status in Microsoft's troubleshooting).",
        );
      const count = (inputs.activeInGroup ?? '').trim();
      if (count !== '' && !/^\d{1,3}$/.test(count))
        return refuse(
          `"${count.slice(0, 20)}" is not a number of connectors.`,
          'Type how many active connectors the group has, e.g. 2.',
        );
      const group = (inputs.connectorGroup ?? '').trim().slice(0, 100) || 'its group';
      return {
        ok: true,
        lines: [
          `This server's connector is Active in ${group}${count ? `, with ${count} active connector(s)` : ''}.`,
          ...(count !== '' && Number(count) < 2
            ? ['Warning: fewer than 2 active connectors in the group: no high availability.']
            : []),
        ],
      };
    },
  },
  publish: {
    fields: [
      {
        id: 'externalUrl',
        label: 'External URL shown in the portal',
        help: 'As the portal shows it after + Add, e.g. https://ndes-contoso.msappproxy.net/certsrv/mscep/.',
        kind: 'url',
        required: true,
        placeholder: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      },
      confirmField(
        'passthrough',
        'Pre Authentication is Passthrough',
        'Choose yes once the application shows Pre Authentication: Passthrough.',
      ),
      {
        id: 'verifiedDomains',
        label: 'Verified custom domains (only for a custom-domain URL)',
        help: 'Comma-separated, e.g. contoso.com, when the external URL is on your own domain.',
        kind: 'text',
        required: false,
      },
    ],
    judge(inputs) {
      const verifiedDomains = (inputs.verifiedDomains ?? '')
        .split(',')
        .map((domain) => domain.trim())
        .filter(Boolean);
      const verdict = checkUrl(inputs.externalUrl ?? '', 'external', { verifiedDomains });
      if (!verdict.ok)
        return refuse(
          `The external URL was refused: ${verdict.message}`,
          "Copy the External URL exactly as the application's Application proxy page shows it.",
        );
      if (!yes(inputs.passthrough))
        return refuse(
          'Passthrough was not confirmed.',
          'Set Pre Authentication to Passthrough: SCEP devices cannot sign in to Microsoft Entra ID.',
        );
      const external = verdict.normalized.replace(/\/?$/, '/');
      const scepUrl = `${external}${/\/certsrv\/mscep\/$/i.test(external) ? '' : 'certsrv/mscep/'}mscep.dll`;
      return {
        ok: true,
        lines: [
          `External URL ${verdict.normalized}, Pre Authentication Passthrough, as read in the portal.`,
          ...verdict.notes,
        ],
        readBack: {
          externalUrl: verdict.normalized,
          scepUrl,
          serverUrl: scepUrl.replace(/certsrv\/mscep\/mscep\.dll$/i, ''),
        },
      };
    },
  },
  intune: {
    fields: [
      {
        id: 'profilesChanged',
        label: 'SCEP profiles changed',
        help: 'Their names as Intune shows them, comma-separated (one first, as a pilot).',
        kind: 'text',
        required: true,
        placeholder: 'Contoso iOS SCEP',
      },
      {
        id: 'previousUrls',
        label: 'SCEP Server URLs they held before',
        help: 'As the profiles listed them before the change, comma-separated: the back-out plan puts these back.',
        kind: 'text',
        required: true,
        placeholder: 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll',
      },
    ],
    judge(inputs) {
      const names = (inputs.profilesChanged ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      if (names.length === 0)
        return refuse(
          'No changed profile was recorded.',
          'Type the names of the SCEP profiles you changed, as Intune shows them.',
        );
      if (names.some((name) => name.length > 256))
        return refuse('A profile name is longer than Intune allows.', 'Type each profile name as Intune shows it.');
      const previous = (inputs.previousUrls ?? '')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean);
      if (previous.length === 0)
        return refuse(
          'The URLs the profiles held before were not recorded.',
          'Type the SCEP Server URLs as they were before the change: without them the change cannot be backed out exactly.',
        );
      const bad = previous.find((url) => !checkUrl(url, 'internal').ok);
      if (bad)
        return refuse(
          `"${bad.slice(0, 120)}" is not a URL.`,
          'Type each URL whole, e.g. https://ndes01.contoso.local/certsrv/mscep/mscep.dll.',
        );
      return {
        ok: true,
        lines: [
          `SCEP profiles changed in the Intune admin center: ${names.join(', ')}.`,
          `SCEP Server URLs they held before (to put back when backing out): ${previous.join(', ')}.`,
        ],
      };
    },
  },
};
