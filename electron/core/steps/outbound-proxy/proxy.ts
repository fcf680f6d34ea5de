import type { PlannedAction } from '../../../contract/model.ts';
import { outboundEndpoints } from '../../checks/outbound/endpoints.ts';
import { BYPASS_ENTRY, checkUrl, HOST_NAME } from '../../checks/input-rules.ts';
import { ProbeFailure, ProxyRefusal } from '../../checks/probe-errors.ts';
import { CompanionError } from '../../errors.ts';
import { INPUT_REFUSED, type StepContext, type StepResult } from '../step.ts';
import { commandLine } from '../../powershell/command-line.ts';
import type { ProxyReport, ProxyState } from './judgement.ts';
import { CONNECTOR_DIR } from '../../connector/install-folder.ts';

export type ProxyAction = 'set' | 'undo' | 'remove';
export type WinHttpChoice = 'auto' | 'set' | 'keep';

/** Where the connector checks certificate chains and CRLs, through WinHTTP (docs/reference/domain.md §4.2). */
const REVOCATION_HOSTS = outboundEndpoints().filter(
  (endpoint) => endpoint.port === 80 && /CRL|OCSP/.test(endpoint.use),
);
const PREFLIGHT_HOST = 'login.microsoftonline.com';
const DEFAULT_PROBE_MS = 5000;

function invalid(message: string, remedy: string): never {
  throw new CompanionError('INVALID_REQUEST', message, remedy);
}

export function proxyActionOf(inputs: Record<string, string>): ProxyAction {
  const value = (inputs.action ?? '').trim().toLowerCase();
  if (value === '' || value === 'set') return 'set';
  if (value === 'undo' || value === 'remove') return value;
  return invalid(
    `"${value.slice(0, 40)}" is not a proxy action.`,
    'Choose set (point the connector at the proxy), undo (put back what was there before the last change) or remove (put back what was there before the companion first changed it).',
  );
}

function winHttpChoiceOf(inputs: Record<string, string>): WinHttpChoice {
  const value = (inputs.winHttp ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'set' || value === 'keep') return value;
  return invalid(
    `"${value.slice(0, 40)}" is not a WinHTTP choice.`,
    'Choose auto (set it only when CRL and OCSP hosts do not answer directly), set, or keep.',
  );
}

/** The proxy address as the connector's config will hold it: http://host:port, nothing else. */
export function proxyAddressOf(inputs: Record<string, string>): string | null {
  const raw = inputs.proxyAddress?.trim() ?? '';
  if (raw === '') return null;
  const verdict = checkUrl(raw, 'proxy');
  if (!verdict.ok)
    return invalid(
      `The proxy address was refused: ${verdict.message}`,
      'Type it as http://host:port, e.g. http://proxy.contoso.local:8080.',
    );
  const host = verdict.url.hostname;
  if (!HOST_NAME.test(host) && !/^\[[0-9a-f:.]+\]$/i.test(host))
    return invalid(
      `The proxy address was refused: "${host.slice(0, 80)}" is not a host name.`,
      'Type the proxy by its DNS name or IP address, e.g. http://proxy.contoso.local:8080.',
    );
  return verdict.normalized.toLowerCase();
}

function ndesHostOf(inputs: Record<string, string>): string | null {
  const raw = inputs.ndesHost?.trim() ?? '';
  if (raw === '') return null;
  if (!HOST_NAME.test(raw) || raw.length > 253)
    return invalid(
      `"${raw.slice(0, 80)}" is not a server name.`,
      'Give the NDES server as the connector reaches it, e.g. ndes01.contoso.local, or leave it empty for this server.',
    );
  return raw.toLowerCase();
}

function bypassOf(inputs: Record<string, string>): string | null {
  // Separated by ";", "," or spaces; anything else (tabs, line breaks, other spaces) is refused with the entry.
  const entries = (inputs.bypass ?? '')
    .trim()
    .split(/[;, ]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  const bad = entries.find((entry) => !BYPASS_ENTRY.test(entry));
  if (bad)
    return invalid(
      `"${bad.slice(0, 80)}" is not a host name or *.domain for the bypass list.`,
      'List host names or *.domain entries, separated by ";", e.g. pki.contoso.local;*.contoso.local',
    );
  return entries.join(';').toLowerCase();
}

export interface ProxyRequest {
  action: ProxyAction;
  address: string | null;
  ndesHost: string | null;
  winHttp: WinHttpChoice;
  bypass: string | null;
}

export function proxyRequestOf(inputs: Record<string, string>): ProxyRequest {
  return {
    action: proxyActionOf(inputs),
    address: proxyAddressOf(inputs),
    ndesHost: ndesHostOf(inputs),
    winHttp: winHttpChoiceOf(inputs),
    bypass: bypassOf(inputs),
  };
}

export function proxyParams(
  request: ProxyRequest,
  winHttp: 'Set' | 'Keep',
  whatIf: boolean,
): Record<string, string | boolean> {
  if (request.action !== 'set')
    return { Action: request.action === 'undo' ? 'Undo' : 'Remove', ...(whatIf ? { WhatIf: true } : {}) };
  return {
    ProxyAddress: request.address ?? '',
    ...(request.ndesHost ? { NdesHost: request.ndesHost } : {}),
    WinHttp: winHttp,
    ...(request.bypass ? { Bypass: request.bypass } : {}),
    ...(whatIf ? { WhatIf: true } : {}),
  };
}

export function proxyPlan(inputs: Record<string, string>): PlannedAction[] {
  let request: ProxyRequest;
  try {
    request = proxyRequestOf(inputs);
  } catch (error) {
    return [{ kind: 'manual', title: INPUT_REFUSED, detail: (error as Error).message, changesSystem: false }];
  }
  if (request.action !== 'set') {
    const which =
      request.action === 'undo'
        ? "the newest backup (the configuration before the companion's last proxy change)"
        : 'the oldest backup (the configuration before the companion first changed the proxy), and drop them all';
    return [
      {
        kind: 'powershell',
        title: `Restore ${which}`,
        detail: commandLine('Set-ConnectorProxy.ps1', proxyParams(request, 'Keep', false)),
        changesSystem: true,
      },
      {
        kind: 'file',
        title: 'What is put back, byte for byte',
        detail:
          "Both services' .exe.config and the WinHTTP proxy (WinHttpSettings) from ProgramData\\NDES Proxy Companion\\Backups; both services restarted.",
        changesSystem: true,
      },
    ];
  }
  if (!request.address)
    return [
      {
        kind: 'manual',
        title: 'No proxy given: nothing to change',
        detail:
          'Direct connectivity is preferred; leave the address empty and the connector keeps connecting directly.',
        changesSystem: false,
      },
    ];
  const ndes = request.ndesHost ?? "this server's DNS name";
  const winHttpBypass = ['<local>', ndes, ...(request.bypass ? [request.bypass] : [])].join(';');
  const proxyServer = request.address.replace(/^http:\/\//, '');
  return [
    {
      kind: 'process',
      title: `Check the proxy carries a tunnel to ${PREFLIGHT_HOST}:443 without asking for credentials`,
      detail: `CONNECT ${PREFLIGHT_HOST}:443 via ${request.address} (the connector cannot authenticate to a proxy)`,
      changesSystem: false,
    },
    ...(request.winHttp === 'auto'
      ? [
          {
            kind: 'process' as const,
            title: 'Check whether CRL and OCSP hosts answer directly',
            detail: `${REVOCATION_HOSTS.map((endpoint) => `${endpoint.host}:80`).join(', ')}: if any does not, the WinHTTP proxy is set too`,
            changesSystem: false,
          },
        ]
      : []),
    {
      kind: 'powershell',
      title: 'Configure the proxy (one PowerShell run)',
      detail: commandLine(
        'Set-ConnectorProxy.ps1',
        proxyParams(request, request.winHttp === 'keep' ? 'Keep' : 'Set', false),
      ),
      changesSystem: true,
    },
    {
      kind: 'file',
      title: 'Inside it: keep a copy of what is there',
      detail:
        "Both services' .exe.config and WinHttpSettings under ProgramData\\NDES Proxy Companion\\Backups (only Administrators and SYSTEM can write there), for Undo and Remove",
      changesSystem: true,
    },
    {
      kind: 'powershell',
      title: "Inside it: check Microsoft's signature, then run the connector's own script",
      detail: `"${CONNECTOR_DIR}\\ConfigureOutBoundProxy.ps1" -ProxyAddress ${request.address} (writes <defaultProxy> into both services' .exe.config and restarts them)`,
      changesSystem: true,
    },
    {
      kind: 'file',
      title: `Inside it: keep ${ndes} off the proxy`,
      detail:
        '<bypasslist><add address="<NDES host as a regular expression>"/></bypasslist> in both .exe.config (bypassonlocal covers only dotless names). UseDefaultProxyForBackendRequests is checked: it must stay unset for NDES',
      changesSystem: true,
    },
    ...(request.winHttp !== 'keep'
      ? [
          {
            kind: 'process' as const,
            title: `Inside it: ${request.winHttp === 'auto' ? 'if needed, ' : ''}set the WinHTTP proxy for certificate chain and CRL checks`,
            detail: `netsh winhttp set proxy proxy-server=${proxyServer} bypass-list=${winHttpBypass}`,
            changesSystem: true,
          },
        ]
      : []),
    {
      kind: 'powershell',
      title: 'Inside it: restart both services and read everything back',
      detail:
        'Restart-Service WAPCSvc, WAPCUpdaterSvc; both .exe.config, WinHttpSettings; any failure puts the copy back',
      changesSystem: true,
    },
  ];
}

function describeFailure(error: unknown): string {
  if (error instanceof ProxyRefusal) return `the proxy answered ${error.status} ${error.statusText}`;
  if (error instanceof ProbeFailure) return `${error.kind}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** A tunnel through the proxy, as the connector will need one; 407 means the connector could never use it. */
async function preflight(context: StepContext, address: string): Promise<StepResult | null> {
  try {
    await context.services.net.tls(PREFLIGHT_HOST, 443, {
      timeoutMs: DEFAULT_PROBE_MS,
      signal: context.signal,
      proxy: address,
    });
    context.progress(`The proxy carried a tunnel to ${PREFLIGHT_HOST}:443.`);
    return null;
  } catch (error) {
    if (context.signal.aborted)
      throw new CompanionError(
        'CANCELLED',
        'The proxy step was cancelled before it changed anything.',
        'Run it again when ready.',
      );
    if (error instanceof ProxyRefusal && error.status === 407) {
      return {
        passed: false,
        summary: `Refused, nothing was changed: ${address} asks for credentials (407 Proxy Authentication Required), and the connector cannot authenticate to a proxy.`,
        remedy:
          'Let this server (its Network Service and Local System accounts) through the proxy without authentication for the connector URLs, or let it connect directly; then run this step again.',
        details: [`CONNECT ${PREFLIGHT_HOST}:443 via ${address}: ${describeFailure(error)}`],
      };
    }
    return {
      passed: false,
      summary: `Refused, nothing was changed: no tunnel to ${PREFLIGHT_HOST}:443 through ${address} (${describeFailure(error)}).`,
      remedy:
        'Check the proxy address and port, and that the proxy allows CONNECT to port 443 for this server; Readiness with the proxy shows which endpoints it carries.',
      details: [`CONNECT ${PREFLIGHT_HOST}:443 via ${address}: ${describeFailure(error)}`],
    };
  }
}

/** Whether certificate revocation hosts answer without the proxy; WinHTTP is needed when one does not. */
async function revocationDirect(context: StepContext): Promise<{ direct: boolean; lines: string[] }> {
  const results = await Promise.all(
    REVOCATION_HOSTS.map(async (endpoint) => {
      try {
        const answer = await context.services.net.httpGet(`http://${endpoint.host}/`, {
          timeoutMs: DEFAULT_PROBE_MS,
          signal: context.signal,
        });
        return { ok: true, line: `${endpoint.host}:80 directly: answered HTTP ${answer.status}` };
      } catch (error) {
        return { ok: false, line: `${endpoint.host}:80 directly: ${describeFailure(error)}` };
      }
    }),
  );
  return { direct: results.every((result) => result.ok), lines: results.map((result) => result.line) };
}

function configLines(state: ProxyState | null, when: string): string[] {
  if (!state) return [];
  const lines = state.configs.map((config) => {
    const name = config.file.slice(config.file.lastIndexOf('\\') + 1);
    if (config.missing) return `${when} ${name}: the file is missing`;
    if (!config.present) return `${when} ${name}: no <defaultProxy> (machine.config decides)`;
    if (config.enabled === 'false') return `${when} ${name}: <defaultProxy enabled="false"> (direct)`;
    return `${when} ${name}: proxy ${config.proxyAddress ?? '(none)'}, bypassonlocal ${config.bypassOnLocal ?? '(unset)'}${config.bypassList.length ? `, bypass list ${config.bypassList.join(' ')}` : ''}`;
  });
  const winHttp = state.winHttp;
  lines.push(
    `${when} WinHTTP: ${winHttp.direct ? 'direct access (no proxy server)' : `proxy ${winHttp.proxy ?? ''}, bypass ${winHttp.bypass ?? '(none)'}`}`,
  );
  for (const service of state.services) lines.push(`${when} ${service.name}: ${service.status}`);
  return lines;
}

function backendRemedy(generation: ProxyReport['generation']): string {
  const key = generation === 'aad' ? 'Microsoft AAD App Proxy Connector' : 'Microsoft Entra private network connector';
  return `For NDES the connector must reach the server directly: remove the value (Remove-ItemProperty "HKLM:\\SOFTWARE\\Microsoft\\${key}" -Name UseDefaultProxyForBackendRequests) and restart WAPCSvc, unless the machine proxy is meant to carry requests to NDES.`;
}

const CHANGING_GUARD =
  "The connector's proxy configuration is being changed; stopping now could leave one service configured and the other not. The script finishes, or puts the previous configuration back, on its own.";

export function judgeProxy(report: ProxyReport, decision: string[] = []): StepResult {
  const details = [...decision];
  if (report.configureScript)
    details.push(
      `ConfigureOutBoundProxy.ps1: ${report.configureScript.signature.status}${report.configureScript.signature.signer ? `, ${report.configureScript.signature.signer}` : ''}`,
    );
  details.push(...configLines(report.before, 'Before:'));
  for (const change of report.changes) details.push(`Change: ${change}`);
  if (report.backup)
    details.push(`Backup ${report.backup.id} in ${report.backup.folder} (${report.backup.count} kept)`);
  if (report.error) details.push(`Error: ${report.error.message}`);
  for (const problem of report.rollback?.problems ?? []) details.push(`Not restored: ${problem}`);
  details.push(...configLines(report.after, 'After:'));
  if (report.backendProxy === 1)
    details.push('UseDefaultProxyForBackendRequests = 1: requests to NDES go through the machine proxy');

  if (report.result === 'refused') {
    const reason = report.refusal?.reason;
    const detail = report.refusal?.detail ?? '';
    if (reason === 'not-installed')
      return {
        passed: false,
        summary: 'Refused: no connector is installed on this server.',
        remedy: 'Run step 3 (Connector install) first.',
        details,
      };
    if (reason === 'no-backup' && detail !== '') {
      return {
        passed: false,
        summary: `Nothing to restore from the companion's own backups. Backups in a folder that was moved aside are there (${detail}): the companion does not restore from a folder it cannot vouch for (made by another account, or by a version before it marked its folders).`,
        remedy:
          "If you know those backups are yours, compare each proxy-<time> folder's two .exe.config files with the connector's and copy back by hand, reset WinHTTP (netsh winhttp) as it was, and restart WAPCSvc and WAPCUpdaterSvc.",
        details,
      };
    }
    if (reason === 'no-backup')
      return {
        passed: false,
        summary: 'Nothing to restore: the companion has not changed the proxy configuration on this server.',
        remedy:
          "A proxy set by hand is removed by hand: delete <system.net><defaultProxy> from both services' .exe.config, run netsh winhttp reset proxy if WinHTTP should be direct, and restart WAPCSvc and WAPCUpdaterSvc.",
        details,
      };
    if (reason === 'no-address')
      return {
        passed: false,
        summary: 'Refused: no proxy address was given.',
        remedy: 'Give the proxy as http://host:port.',
        details,
      };
    if (reason === 'backup-unreadable')
      return {
        passed: false,
        summary: `Refused, nothing was changed: the companion's backup index cannot be read (${detail}).`,
        remedy:
          'Look at ProgramData\\NDES Proxy Companion\\Backups: each proxy-<time> folder holds the two .exe.config files as they were. Restore by hand if needed, then move proxy-backups.json aside.',
        details,
      };
    if (reason === 'backup-untrusted')
      return {
        passed: false,
        summary: `Refused, nothing was changed: the backups are not the companion's own (${detail}), so they may not be what it saved.`,
        remedy:
          'Another account made or can change that folder. Do not restore from it: find out who made it, compare its copies with what you expect, and put the proxy back by hand (both .exe.config files, netsh winhttp). Setting the proxy with this step moves the folder aside and starts a new one.',
        details,
      };
    if (reason === 'after-unknown')
      return {
        passed: false,
        summary: `Refused, nothing was changed: the companion's last proxy change (${detail}) never recorded what it left, because it stopped part-way or could not put everything back; what is there now may be someone else's change.`,
        remedy: `Compare both .exe.config files and the WinHTTP proxy with the copies in ProgramData\\NDES Proxy Companion\\Backups\\${detail} and put back by hand what should go back, then restart WAPCSvc and WAPCUpdaterSvc. Setting the proxy again with this step records a new change, after which Undo and Remove work again.`,
        details,
      };
    if (reason === 'changed-since')
      return {
        passed: false,
        summary: `Refused, nothing was changed: the configuration was changed after the companion's last change (${detail}), by a connector upgrade, a person or another tool.`,
        remedy: `Compare with the copies in ${report.backup?.folder ?? 'the backup folder'} and put back by hand what should go back; the companion does not overwrite a change it did not make.`,
        details,
      };
    if (reason === 'backup-damaged')
      return {
        passed: false,
        summary: `Refused, nothing was changed: a backup copy is not what was saved (${detail}).`,
        remedy:
          'Do not restore from it. Set the proxy again with this step (set), or edit both .exe.config files by hand.',
        details,
      };
    if (reason === 'config-missing')
      return {
        passed: false,
        summary: `Refused, nothing was changed: a connector config file is missing (${detail}).`,
        remedy: 'Repair or reinstall the connector (step 3), then run this step again.',
        details,
      };
    if (reason === 'script-missing')
      return {
        passed: false,
        summary: `Refused: ConfigureOutBoundProxy.ps1 is missing from the connector folder (${detail}).`,
        remedy: 'Reinstall the connector (step 3), then run this step again.',
        details,
      };
    return {
      passed: false,
      summary: `Refused, nothing was run: ConfigureOutBoundProxy.ps1 is not signed by Microsoft (${detail}).`,
      remedy: "Reinstall the connector from Microsoft's installer (step 3); do not run a changed script elevated.",
      details,
    };
  }
  if (report.result === 'what-if') {
    if (report.action !== 'Set')
      return {
        passed: true,
        summary: `-WhatIf: the configuration saved at ${report.backup?.created ?? '?'} would be put back; nothing was changed.`,
        details,
      };
    return {
      passed: true,
      summary: `-WhatIf: ${report.changes.length} change(s) would be made (listed below); nothing was changed.`,
      details,
    };
  }
  if (report.result === 'restored') {
    const problems = report.rollback?.problems ?? [];
    if (problems.length > 0)
      return {
        passed: false,
        summary: `The saved configuration was only partly put back (${problems.length} problem(s)).`,
        remedy: `Copy the files from ${report.backup?.folder ?? 'the backup folder'} back by hand (both .exe.config), then restart WAPCSvc and WAPCUpdaterSvc.`,
        details,
      };
    return {
      passed: true,
      summary: `The configuration saved at ${report.backup?.created ?? '?'} is back, and both services were restarted.`,
      details,
    };
  }
  if (report.result === 'rolled-back') {
    const problems = report.rollback?.problems ?? [];
    const message = report.error?.message ?? 'an unknown error';
    const denied = /denied/i.test(message);
    if (problems.length > 0) {
      return {
        passed: false,
        summary: `The proxy change failed (${message}) and the previous configuration could not be fully put back.`,
        remedy: `Copy the files from ${report.backup?.folder ?? 'the backup folder'} back by hand, restore WinHTTP, and restart both services; the details list what was not restored.`,
        details,
      };
    }
    return {
      passed: false,
      summary: `Nothing changed: ${message} The previous configuration was put back.`,
      remedy: denied
        ? "The connector's config files could not be written: run the companion elevated, check that no other tool (antivirus, configuration management) holds or locks them, and clear their read-only attribute; then run this step again."
        : 'Read the error below, fix its cause and run this step again.',
      details,
    };
  }
  const desired = report.desired;
  const state = report.result === 'changed' ? report.after : report.before;
  const configsOk =
    !!desired &&
    !!state &&
    state.configs.every(
      (config) =>
        config.present &&
        config.enabled !== 'false' &&
        config.proxyAddress === desired.proxyAddress &&
        config.bypassList.includes(desired.configBypass),
    );
  const winHttpOk =
    !desired ||
    desired.winHttp === 'Keep' ||
    (!!state && !state.winHttp.direct && state.winHttp.proxy === desired.winHttpProxy);
  const stopped = (state?.services ?? [])
    .filter((service) => service.status !== 'Running')
    .map((service) => service.name);
  const missingServices = ['WAPCSvc', 'WAPCUpdaterSvc'].filter(
    (name) => !(state?.services ?? []).some((service) => service.name === name),
  );
  if (!configsOk || !winHttpOk)
    return {
      passed: false,
      summary: 'The proxy was not set as asked: the read-back differs (see below).',
      remedy:
        'Run this step again; if it persists, compare both .exe.config files with the details and set them by hand.',
      details,
    };
  if (stopped.length > 0 || missingServices.length > 0) {
    return {
      passed: false,
      summary: `The proxy is set, but ${[...stopped, ...missingServices].join(' and ')} ${stopped.length + missingServices.length > 1 ? 'are' : 'is'} not running.`,
      remedy:
        'Start-Service WAPCSvc, WAPCUpdaterSvc; if one stops again, read the connector Admin log (a proxy that refuses the connector shows there).',
      details,
    };
  }
  if (report.backendProxy === 1)
    return {
      passed: false,
      summary:
        "The proxy is set, but UseDefaultProxyForBackendRequests = 1 sends the connector's requests to NDES through the machine proxy.",
      remedy: backendRemedy(report.generation),
      details,
    };
  const winHttpText =
    desired?.winHttp === 'Set'
      ? ` WinHTTP uses ${desired.winHttpProxy ?? ''} with bypass ${desired.winHttpBypass ?? ''}.`
      : ' WinHTTP was left as it was.';
  const what =
    report.result === 'already-configured'
      ? 'was already set; nothing was changed'
      : `is set; the previous configuration is kept as ${report.backup?.id ?? 'a backup'} for Undo`;
  return {
    passed: true,
    summary: `The connector and its updater use ${desired?.proxyAddress ?? ''}, with ${report.ndesHost ?? 'NDES'} kept off the proxy: the proxy ${what}.${winHttpText}`,
    details,
  };
}

async function decideWinHttp(
  context: StepContext,
  request: ProxyRequest,
): Promise<{ winHttp: 'Set' | 'Keep'; lines: string[] }> {
  if (request.winHttp === 'set') return { winHttp: 'Set', lines: ['WinHTTP: set, as chosen'] };
  if (request.winHttp === 'keep') return { winHttp: 'Keep', lines: ['WinHTTP: left as it is, as chosen'] };
  context.progress('Checking whether CRL and OCSP hosts answer directly');
  const probe = await revocationDirect(context);
  if (context.signal.aborted)
    throw new CompanionError(
      'CANCELLED',
      'The proxy step was cancelled before it changed anything.',
      'Run it again when ready.',
    );
  const lines = [
    ...probe.lines,
    probe.direct
      ? 'WinHTTP: left as it is (CRL and OCSP answer directly)'
      : 'WinHTTP: set (a CRL or OCSP host does not answer directly; chain checks would fail)',
  ];
  context.progress(lines.at(-1) ?? '');
  return { winHttp: probe.direct ? 'Keep' : 'Set', lines };
}

export async function runProxy(context: StepContext): Promise<StepResult> {
  const request = proxyRequestOf(context.inputs);
  if (request.action === 'set' && !request.address)
    return {
      passed: true,
      summary: 'No proxy address given: the connector keeps connecting directly; nothing was changed.',
    };
  let decision: string[] = [];
  let winHttp: 'Set' | 'Keep' = 'Keep';
  if (request.action === 'set' && request.address) {
    const refused = await preflight(context, request.address);
    if (refused) return refused;
    ({ winHttp, lines: decision } = await decideWinHttp(context, request));
  }
  const params = proxyParams(request, winHttp, context.whatIf);
  context.progress(`Running: ${commandLine('Set-ConnectorProxy.ps1', params)}`);
  const run = await context.services.powershell
    .run('Set-ConnectorProxy', {
      params,
      signal: context.signal,
      onProgress: (message, percent) => context.progress(message, 'info', undefined, percent),
      onPhase: (phase) => {
        if (phase === 'changing') context.guardCancel(CHANGING_GUARD);
      },
    })
    .finally(() => context.guardCancel(null));
  return judgeProxy(run.data, decision);
}

/**
 * Set: the same script under -WhatIf, which changes nothing and reports what would still change.
 * Undo and remove: the configuration now, with both services running.
 */
export async function verifyProxy(context: StepContext): Promise<StepResult> {
  const request = proxyRequestOf(context.inputs);
  if (request.action === 'set' && !request.address)
    return { passed: true, summary: 'No proxy address given: nothing to verify.' };
  if (request.action !== 'set') {
    const state = await context.services.powershell.run('Get-ConnectorState', {
      signal: context.signal,
      onProgress: (message) => context.progress(message),
    });
    const lines = (state.data.configs ?? []).map(
      (config) =>
        `${config.file}: ${config.present ? `proxy ${config.proxyAddress ?? '(none)'}` : 'no <defaultProxy>'}`,
    );
    const stopped = (state.data.services ?? [])
      .filter((service) => service.status !== 'Running')
      .map((service) => service.name);
    return stopped.length
      ? {
          passed: false,
          summary: `${stopped.join(' and ')} not running.`,
          remedy: 'Start-Service WAPCSvc, WAPCUpdaterSvc.',
          details: lines,
        }
      : { passed: true, summary: 'Both connector services run with the configuration shown below.', details: lines };
  }
  const winHttp =
    request.winHttp === 'set'
      ? 'Set'
      : request.winHttp === 'keep'
        ? 'Keep'
        : (await decideWinHttp(context, request)).winHttp;
  const run = await context.services.powershell.run('Set-ConnectorProxy', {
    params: proxyParams(request, winHttp, true),
    signal: context.signal,
    onProgress: (message) => context.progress(message),
  });
  const report = run.data;
  if (report.result === 'what-if') {
    const details = configLines(report.before, 'Now:');
    if (report.changes.length === 0)
      return {
        passed: false,
        summary: 'The proxy is set as asked, but a connector service is not running.',
        remedy:
          'Start-Service WAPCSvc, WAPCUpdaterSvc (or run this step, which restarts them); if one stops again, read the connector Admin log.',
        details,
      };
    return {
      passed: false,
      summary: `The proxy configuration differs from what was asked: ${report.changes.join('; ')}.`,
      remedy: 'Run this step to apply it.',
      details,
    };
  }
  return judgeProxy(report);
}
