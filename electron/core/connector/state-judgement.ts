import type { StepResult } from '../steps/step.ts';
import type { ConnectorState } from './state.ts';

const SERVICES = ['WAPCSvc', 'WAPCUpdaterSvc'] as const;

/** The connector as an admin reads it: one line per fact, for the record. */
export function connectorStateLines(state: ConnectorState, now: Date = new Date()): string[] {
  const lines: string[] = [];
  const install = state.install;
  if (install?.installed) {
    lines.push(
      `Connector ${install.version ?? '(version unknown)'} in ${install.directory ?? '?'} (${install.generation === 'aad' ? 'Azure AD App Proxy names' : 'Entra names'}); PowerShell module ${install.moduleFound ? 'present' : 'MISSING'}.`,
    );
  } else if (install) lines.push('No private network connector is installed.');
  for (const name of SERVICES) {
    const service = state.services?.find((one) => one.name === name);
    lines.push(service ? `${name}: ${service.status}, start ${service.startType}` : `${name}: not present`);
  }
  for (const config of state.configs ?? []) {
    const file = config.file.slice(config.file.lastIndexOf('\\') + 1);
    lines.push(
      `${file}: ${!config.present ? 'no proxy (direct, or machine.config)' : config.enabled === 'false' ? 'proxy disabled' : `proxy ${config.proxyAddress ?? '(system default)'}, bypassonlocal ${config.bypassOnLocal ?? 'unset'}`}`,
    );
  }
  if (state.useDefaultProxyForBackendRequests !== null)
    lines.push(
      `UseDefaultProxyForBackendRequests = ${String(state.useDefaultProxyForBackendRequests)} (backend requests to NDES go through the proxy)`,
    );
  const trust = state.trust;
  if (trust) {
    if (!trust.present) lines.push('Not registered yet (no TrustSettings.xml).');
    else if (trust.isInUserStore)
      lines.push(`Trust certificate ${trust.thumbprint ?? '?'} in Network Service's store (renewed automatically).`);
    else if (!trust.found)
      lines.push(
        `Trust certificate ${trust.thumbprint ?? '?'} named in TrustSettings.xml is NOT in the computer store.`,
      );
    else {
      const expires = trust.notAfter ? new Date(trust.notAfter) : null;
      const days = expires ? Math.floor((expires.getTime() - now.getTime()) / 86_400_000) : null;
      lines.push(
        `Trust certificate ${trust.subject ?? ''} from ${trust.issuer ?? ''}, ${days === null ? 'expiry unknown' : days < 0 ? `EXPIRED ${-days} days ago` : `expires in ${days} days`}.`,
      );
    }
  }
  for (const event of state.recentEvents ?? [])
    lines.push(`${event.time ?? ''} ${event.log} event ${event.id}: ${event.message}`);
  for (const problem of state.problems) lines.push(`Could not read ${problem.fact}: ${problem.message}`);
  return lines;
}

/** Installed, with its module, and both services running: the install step holds. */
export function judgeConnectorState(state: ConnectorState, now: Date = new Date()): StepResult {
  const details = connectorStateLines(state, now);
  if (!state.install)
    return {
      passed: false,
      summary: 'Could not tell whether the connector is installed.',
      remedy: 'Read the problems below; run the companion elevated.',
      details,
    };
  if (!state.install.installed)
    return {
      passed: false,
      summary: 'The private network connector is not installed on this server.',
      remedy: 'Run this step to install it.',
      details,
    };
  if (!state.install.moduleFound)
    return {
      passed: false,
      summary: `Connector ${state.install.version ?? ''} is installed, but its PowerShell module is missing.`,
      remedy: 'Reinstall the connector (uninstall it, then run this step).',
      details,
    };
  const notRunning = SERVICES.filter(
    (name) => state.services?.find((service) => service.name === name)?.status !== 'Running',
  );
  if (notRunning.length > 0) {
    return {
      passed: false,
      summary: `Connector ${state.install.version ?? ''} is installed, but ${notRunning.join(' and ')} ${notRunning.length > 1 ? 'are' : 'is'} not running.`,
      remedy:
        'Start them (Services console or Start-Service WAPCSvc, WAPCUpdaterSvc) and set them to Automatic; if they stop again, read the connector Admin log.',
      details,
    };
  }
  return {
    passed: true,
    summary: `Connector ${state.install.version ?? ''} is installed and both services are running.`,
    details,
  };
}
