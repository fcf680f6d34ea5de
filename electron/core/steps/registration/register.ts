import { GUID } from '../../checks/input-rules.ts';
import type { PlannedAction } from '../../../contract/model.ts';
import { CompanionError } from '../../errors.ts';
import type { StepContext, StepResult } from '../step.ts';
import { commandLine } from '../../powershell/command-line.ts';
import { CONNECTOR_DIR } from '../../connector/install-folder.ts';
import {
  CONNECTOR_CLIENT_ID,
  registrationUnavailable,
  type RegistrationSignInMethod,
} from '../../cloud/registration-token.ts';
import { cloudOf } from '../../cloud/clouds.ts';
import type { RegisterReport } from './judgement.ts';
import { connectorStateLines } from '../../connector/state-judgement.ts';

const MODULE = 'MicrosoftEntraPrivateNetworkConnectorPSModule';

const REGISTERING_GUARD =
  "Microsoft's registration service is issuing this connector's certificate; stopping now could leave it half-registered. It finishes or fails on its own within minutes.";

export function tenantIdOf(inputs: Record<string, string>): string {
  const value = inputs.tenantId?.trim() ?? '';
  if (!GUID.test(value)) {
    throw new CompanionError(
      'INVALID_REQUEST',
      value === '' ? 'No tenant ID was given.' : `"${value}" is not a tenant ID.`,
      'Give the directory (tenant) ID, a GUID such as 00000000-0000-0000-0000-000000000000, from Microsoft Entra admin center > Identity > Overview.',
    );
  }
  return value.toLowerCase();
}

function wantsReregister(inputs: Record<string, string>): boolean {
  return ['yes', 'true'].includes(inputs.reregister?.trim().toLowerCase() ?? '');
}

export function registerParams(inputs: Record<string, string>, whatIf: boolean): Record<string, string | boolean> {
  return {
    TenantId: tenantIdOf(inputs),
    ...(wantsReregister(inputs) ? { Reregister: true } : {}),
    ...(whatIf ? { WhatIf: true } : {}),
  };
}

/** The interactive command an admin runs by hand (offline mode, or when no token can be had). */
export function manualRegistrationCommand(): string {
  return `Import-Module "${CONNECTOR_DIR}\\Modules\\${MODULE}\\${MODULE}.psd1"; Register-MicrosoftEntraPrivateNetworkConnector`;
}

function tokenPlan(inputs: Record<string, string>): PlannedAction {
  let method: RegistrationSignInMethod = 'window';
  try {
    method = tokenMethodOf(inputs);
  } catch {
    // The plan still shows the default; Run refuses the bad choice with its reason.
  }
  let host = 'login.microsoftonline.com';
  try {
    host = cloudOf(inputs.cloud).authorityHost;
  } catch {
    // The plan shows the global host; Run refuses the bad cloud with its reason.
  }
  const authority = `https://${host}/${inputs.tenantId?.trim() || '<tenant ID>'}`;
  const common = `client ${CONNECTOR_CLIENT_ID} (the connector's own), scope https://proxy.cloudwebappproxy.net/registerapp/user_impersonation; the token stays in memory and is never saved`;
  return method === 'window'
    ? {
        kind: 'graph',
        title: 'Sign in for a registration token in a sign-in window',
        detail: `GET ${authority}/oauth2/v2.0/authorize (auth code + PKCE, redirect https://${host}/common/oauth2/nativeclient), then POST ${authority}/oauth2/v2.0/token; ${common}. From the CLI: the address is printed and you paste back the address the sign-in ends on, or --token-stdin`,
        changesSystem: false,
      }
    : {
        kind: 'graph',
        title: 'Sign in for a registration token with a device code',
        detail: `POST ${authority}/oauth2/v2.0/devicecode, then POST ${authority}/oauth2/v2.0/token; ${common}. Not documented for this client: if it is refused, use the sign-in window`,
        changesSystem: false,
      };
}

export function registerPlan(inputs: Record<string, string>): PlannedAction[] {
  let params: Record<string, string | boolean>;
  try {
    params = registerParams(inputs, false);
  } catch {
    params = { TenantId: inputs.tenantId?.trim() || '<tenant ID>' };
  }
  return [
    tokenPlan(inputs),
    {
      kind: 'powershell',
      title: 'Register (one PowerShell run; the token on standard input, never on a command line)',
      detail: `<token> | ${commandLine('Register-Connector.ps1', params)}`,
      changesSystem: true,
    },
    {
      kind: 'powershell',
      title: "Inside it: check Microsoft's signature on RegisterConnector.ps1, then run it",
      detail: `"${CONNECTOR_DIR}\\RegisterConnector.ps1" -modulePath "${CONNECTOR_DIR}\\Modules\\" -moduleName ${MODULE} -AuthenticationMode Token -Token <SecureString from stdin> -TenantId ${String(params.TenantId)} -Feature ApplicationProxy (the older connector's folder and AppProxyPSModule when that generation is installed)`,
      changesSystem: true,
    },
    {
      kind: 'powershell',
      title: 'Read back',
      detail:
        'The trust certificate TrustSettings.xml names (issued to the tenant ID by connectorregistrationca.msappproxy.net), both services, the connector errors logged since',
      changesSystem: false,
    },
  ];
}

/** The known registration errors (docs/reference/domain.md section 9), by what Windows logged or the script said. */
const KNOWN_ERRORS: { pattern: RegExp; cause: string; remedy: string }[] = [
  {
    pattern: /AADSTS50059/,
    cause:
      'the token does not say which tenant it is for (a personal Microsoft account, or an account outside the tenant)',
    remedy: 'Sign in as admin@<your tenant domain>, an account of the tenant itself, and register again.',
  },
  {
    pattern: /registration request was denied/i,
    cause: 'the account is not an Application Administrator of that tenant',
    remedy:
      'Register with an account that holds Application Administrator (or Global Administrator) in the tenant; a guest registers to its home tenant.',
  },
  {
    pattern: /One or more errors occurred/i,
    cause: 'the registration window was closed, or a network error stopped it',
    remedy:
      'Check this server reaches login.microsoftonline.com and *.msappproxy.net on 443 (run Readiness), then register again.',
  },
  {
    pattern: /execution policy/i,
    cause: 'Group Policy does not let PowerShell run the connector scripts',
    remedy:
      'Set the Group Policy "Turn on Script Execution" to Not Configured or to allow local scripts, run gpupdate /force, and register again.',
  },
  {
    pattern: /download the configuration/i,
    cause: "the connector's client certificate is expired, often behind a proxy",
    remedy: 'Let Network Service and Local System reach the internet (proxy settings, step 5), then register again.',
  },
  {
    pattern: /networking issues/i,
    cause: 'a firewall blocks the URLs or ports the connector needs',
    remedy:
      'Open outbound 443 (and 80) to the Microsoft Entra application proxy URLs (run Readiness to see which fail), then register again.',
  },
];

export function explainRegistrationError(texts: string[]): { cause: string; remedy: string } | null {
  for (const known of KNOWN_ERRORS)
    if (texts.some((text) => known.pattern.test(text))) return { cause: known.cause, remedy: known.remedy };
  return null;
}

export function judgeRegister(report: RegisterReport, now: Date = new Date()): StepResult {
  const details: string[] = [];
  if (report.registerScript)
    details.push(
      `RegisterConnector.ps1: ${report.registerScript.signature.status}${report.registerScript.signature.signer ? `, ${report.registerScript.signature.signer}` : ''}`,
    );
  if (report.before?.tenantId)
    details.push(
      `Registered before to tenant ${report.before.tenantId}${report.before.expired ? ' (trust certificate expired)' : ''}`,
    );
  if (report.after?.trust.found)
    details.push(
      `Trust certificate ${report.after.trust.thumbprint ?? ''}: ${report.after.trust.subject ?? ''}, issued by ${report.after.trust.issuer ?? ''}, valid until ${report.after.trust.notAfter ?? '?'}`,
    );
  for (const service of report.services ?? []) details.push(`${service.name}: ${service.status}`);
  if (report.error) details.push(`RegisterConnector.ps1 said: ${report.error.message}`);
  for (const event of report.events) details.push(`${event.log} event ${event.id}: ${event.message}`);

  switch (report.result) {
    case 'refused': {
      const reason = report.refusal?.reason;
      if (reason === 'not-installed')
        return {
          passed: false,
          summary: 'Refused: no connector is installed on this server.',
          remedy: 'Run step 3 (Connector install) first.',
          details,
        };
      if (reason === 'no-token')
        return {
          passed: false,
          summary: 'Refused: no registration token was given.',
          remedy: `Give a token (ndes-companion register --tenant-id <guid> --token-stdin), or register by hand: ${manualRegistrationCommand()}`,
          details,
        };
      if (reason === 'module-logging') {
        return {
          passed: false,
          summary:
            'Refused, nothing was run: PowerShell module logging is on for Microsoft.PowerShell.Security, so the registration token would be written into the event log (event 4103).',
          remedy: `Register by hand with the connector's interactive sign-in, which needs no token: ${manualRegistrationCommand()}; or leave Microsoft.PowerShell.Security out of "Turn on Module Logging" for the change window.`,
          details,
        };
      }
      if (reason === 'script-missing')
        return {
          passed: false,
          summary: `Refused: RegisterConnector.ps1 is missing from the connector folder (${report.refusal?.detail ?? ''}).`,
          remedy: 'Reinstall the connector (step 3), then register again.',
          details,
        };
      return {
        passed: false,
        summary: `Refused, nothing was run: RegisterConnector.ps1 is not signed by Microsoft (${report.refusal?.detail ?? ''}).`,
        remedy:
          "Reinstall the connector from Microsoft's installer (step 3); do not run a changed registration script elevated.",
        details,
      };
    }
    case 'what-if':
      return {
        passed: true,
        summary: `-WhatIf: the connector would be registered to tenant ${report.tenantId} with Microsoft's signed RegisterConnector.ps1; nothing was changed.`,
        details,
      };
    case 'already-registered':
      return {
        passed: true,
        summary: `The connector is already registered to tenant ${report.tenantId} with a valid trust certificate; nothing was changed.`,
        details,
      };
    case 'other-tenant':
      return {
        passed: false,
        summary: `This connector is registered to another tenant (${report.before?.tenantId ?? '?'}), not ${report.tenantId}. Nothing was changed.`,
        remedy:
          'To move it to this tenant, choose "re-register: yes" (CLI: --reregister) and run the step again; it then stops serving the other tenant.',
        details,
      };
    case 'tenant-unknown':
      return {
        passed: false,
        summary: `This connector is already registered, but to which tenant cannot be read here (its trust certificate is kept in Network Service's store, or is missing). Nothing was changed.`,
        remedy: `Check in the Microsoft Entra admin center (Application proxy) that this server's connector is Active in tenant ${report.tenantId}. To register it to that tenant anyway, choose "re-register: yes" (CLI: --reregister).`,
        details,
      };
    case 'ran':
      break;
  }
  const after = report.after;
  const registered =
    after?.tenantId === report.tenantId &&
    after.trust.found &&
    after.trust.notAfter !== null &&
    new Date(after.trust.notAfter) > now;
  const running = (report.services ?? []).find((service) => service.name === 'WAPCSvc')?.status === 'Running';
  if (registered && running)
    return {
      passed: true,
      summary: `The connector is registered to tenant ${report.tenantId}; its trust certificate is in the computer store and WAPCSvc is running.`,
      details,
    };
  if (registered)
    return {
      passed: false,
      summary: `The connector is registered to tenant ${report.tenantId}, but WAPCSvc is not running.`,
      remedy: 'Start the service (Start-Service WAPCSvc) and Verify; if it stops, read the connector Admin log.',
      details,
    };
  const known = explainRegistrationError([report.error?.message ?? '', ...report.events.map((event) => event.message)]);
  return {
    passed: false,
    summary: known
      ? `Registration failed: ${known.cause}.`
      : `Registration failed${report.error ? `: ${report.error.message}` : ': no trust certificate for this tenant afterwards'}.`,
    remedy: known
      ? known.remedy
      : `Read the messages below; to register by hand instead: ${manualRegistrationCommand()}`,
    details,
  };
}

/** Where the token comes from when none was handed in: the sign-in window (default) or a device code. */
export function tokenMethodOf(inputs: Record<string, string>): RegistrationSignInMethod {
  const value = inputs.signIn?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'window') return 'window';
  if (value === 'device-code') return 'device-code';
  throw new CompanionError(
    'INVALID_REQUEST',
    `"${value.slice(0, 40)}" is not a way to sign in for the registration token.`,
    'Choose window or device-code.',
  );
}

async function signInForToken(context: StepContext, tenantId: string): Promise<string> {
  const method = tokenMethodOf(context.inputs);
  const cloud = context.services.cloud;
  if (!cloud)
    throw new CompanionError(
      'NEEDS_SIGN_IN',
      'This host cannot sign in for a registration token.',
      `From the CLI: ndes-companion register --tenant-id <guid> (it prints the sign-in address), or --token-stdin with a token you have. Or register by hand on this server: ${manualRegistrationCommand()}`,
    );
  context.progress(
    method === 'window'
      ? 'Signing in for a registration token in the window that opened; finish the sign-in there (the window closes by itself).'
      : 'Signing in for a registration token with a device code.',
  );
  const token = await cloud.registrationToken({
    ...(context.inputs.cloud?.trim() ? { cloud: context.inputs.cloud.trim() } : {}),
    tenantId,
    method,
    onDeviceCode: (prompt) =>
      context.progress(
        `To sign in, open ${prompt.verificationUri} in any browser and enter the code ${prompt.userCode} (it expires in ${Math.round(prompt.expiresInSeconds / 60)} minutes).`,
        'warn',
      ),
    signal: context.signal,
  });
  context.keepSecret(token.accessToken);
  context.progress(
    `Registration token issued${token.username ? ` for ${token.username}` : ''} in tenant ${token.tenantId}; it goes to PowerShell on standard input and is not kept.`,
  );
  return token.accessToken;
}

/**
 * Before asking the admin to sign in: a connector that is missing, or already registered to this
 * tenant, needs no token (one read-only PowerShell run decides it).
 */
async function needsNoToken(context: StepContext, tenantId: string): Promise<StepResult | null> {
  const state = await context.services.powershell.run('Get-ConnectorState', {
    signal: context.signal,
    onProgress: (message) => context.progress(message),
  });
  const lines = connectorStateLines(state.data);
  if (!state.data.install?.installed)
    return {
      passed: false,
      summary: 'Refused: no connector is installed on this server. No sign-in was asked for.',
      remedy: 'Run step 3 (Connector install) first.',
      details: lines,
    };
  const trust = state.data.trust;
  const registeredTo = /(?:^|,\s*)CN=([0-9a-f-]{36})(?:,|$)/i.exec(trust?.subject ?? '')?.[1]?.toLowerCase() ?? null;
  const valid =
    trust?.found === true &&
    !trust.isInUserStore &&
    registeredTo === tenantId &&
    trust.notAfter !== null &&
    trust.notAfter !== undefined &&
    new Date(trust.notAfter) > context.services.now();
  if (valid && !wantsReregister(context.inputs))
    return {
      passed: true,
      summary: `The connector is already registered to tenant ${tenantId} with a valid trust certificate; nothing was changed and no sign-in was needed.`,
      details: lines,
    };
  return null;
}

export async function runRegister(context: StepContext): Promise<StepResult> {
  const params = registerParams(context.inputs, context.whatIf);
  let token = context.secrets.registrationToken?.trim();
  // A token handed in would register against the global service: refused before it is used.
  // Without one, a connector already registered (by its own setup, as the refusal advises) is
  // still said as such, and the sign-in for a token refuses the cloud itself.
  const unavailable = registrationUnavailable(cloudOf(context.inputs.cloud));
  if (unavailable && token && !context.whatIf) throw unavailable;
  if (!context.whatIf && !token) {
    const settled = await needsNoToken(context, String(params.TenantId));
    if (settled) return settled;
    token = await signInForToken(context, String(params.TenantId));
  }
  context.progress(`Running: ${token ? '<token on stdin> | ' : ''}${commandLine('Register-Connector.ps1', params)}`);
  const run = await context.services.powershell
    .run('Register-Connector', {
      params,
      ...(token ? { stdin: `${token}\n` } : {}),
      signal: context.signal,
      onProgress: (message, percent) => context.progress(message, 'info', undefined, percent),
      onPhase: (phase) => {
        if (phase === 'changing') context.guardCancel(REGISTERING_GUARD);
      },
    })
    .finally(() => context.guardCancel(null));
  return judgeRegister(run.data);
}

/** Registered to the tenant asked for, trust certificate valid and in the computer store, WAPCSvc running. */
export async function verifyRegister(context: StepContext): Promise<StepResult> {
  const tenantId = tenantIdOf(context.inputs);
  const state = await context.services.powershell.run('Get-ConnectorState', {
    signal: context.signal,
    onProgress: (message) => context.progress(message),
  });
  const lines = connectorStateLines(state.data);
  const trust = state.data.trust;
  const registeredTo = /(?:^|,\s*)CN=([0-9a-f-]{36})(?:,|$)/i.exec(trust?.subject ?? '')?.[1]?.toLowerCase() ?? null;
  if (!state.data.install?.installed)
    return {
      passed: false,
      summary: 'No connector is installed on this server.',
      remedy: 'Run step 3 (Connector install) first.',
      details: lines,
    };
  if (!trust?.present)
    return { passed: false, summary: 'The connector is not registered yet.', remedy: 'Run this step.', details: lines };
  if (trust.isInUserStore)
    return {
      passed: true,
      summary:
        "The connector is registered; its renewed trust certificate is in Network Service's store, which the companion cannot read (the portal shows whether it is active).",
      details: lines,
    };
  if (!trust.found)
    return {
      passed: false,
      summary: 'TrustSettings.xml names a trust certificate that is not in the computer store.',
      remedy: 'Register again (this step).',
      details: lines,
    };
  if (registeredTo !== tenantId)
    return {
      passed: false,
      summary: `The connector is registered to tenant ${registeredTo ?? '(unknown)'}, not ${tenantId}.`,
      remedy: 'Choose "re-register: yes" and run this step to move it.',
      details: lines,
    };
  if (trust.notAfter && new Date(trust.notAfter) <= new Date())
    return {
      passed: false,
      summary: "The connector's trust certificate has expired: it cannot reach the service.",
      remedy: 'Register again (this step); the connector renews the certificate itself only while it is online.',
      details: lines,
    };
  const running = state.data.services?.find((service) => service.name === 'WAPCSvc')?.status === 'Running';
  return running
    ? {
        passed: true,
        summary: `The connector is registered to tenant ${tenantId} and WAPCSvc is running.`,
        details: lines,
      }
    : {
        passed: false,
        summary: `The connector is registered to tenant ${tenantId}, but WAPCSvc is not running.`,
        remedy: 'Start-Service WAPCSvc, then Verify.',
        details: lines,
      };
}
