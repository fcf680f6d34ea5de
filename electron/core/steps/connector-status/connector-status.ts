import type { PlannedAction } from '../../../contract/model.ts';
import { connectorStateLines } from '../../connector/state-judgement.ts';
import type { ConnectorState } from '../../connector/state.ts';
import type { StepContext, StepResult } from '../step.ts';
import { cloudOf } from '../../cloud/clouds.ts';
import { cloudServicesOf } from '../../services.ts';
import { readCloudConnectors, type CloudConnector } from '../../cloud/connectors.ts';

export function connectorStatusPlan(inputs: Record<string, string>): PlannedAction[] {
  const graph = (() => {
    try {
      return cloudOf(inputs.cloud).graph;
    } catch {
      return 'https://graph.microsoft.com';
    }
  })();
  return [
    {
      kind: 'powershell',
      title: 'This server: the connector, its services and its DNS name',
      detail: 'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Get-ConnectorState.ps1',
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Connectors in the tenant',
      detail: `GET ${graph}/beta/onPremisesPublishingProfiles/applicationProxy/connectors`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Connector groups and their members',
      detail: `GET ${graph}/beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups, then …/connectorGroups/{id}/members for each`,
      changesSystem: false,
    },
  ];
}

/**
 * This server's connector as the tenant sees it: found by its DNS name and active; how many active
 * connectors share its group (fewer than two: no high availability); and the other connectors,
 * listed so the admin can tell which are theirs.
 */
export function judgeConnectorStatus(local: ConnectorState, connectors: CloudConnector[]): StepResult {
  const details = connectorStateLines(local);
  const mine = local.machineName
    ? connectors.find((connector) => connector.machineName.toLowerCase() === local.machineName)
    : undefined;
  const others = connectors.filter((connector) => connector !== mine);
  for (const connector of connectors)
    details.push(
      `${connector === mine ? 'This server' : 'Other'}: ${connector.machineName} (${connector.externalIp}), ${connector.status}, version ${connector.version ?? '?'}, group ${connector.group?.name ?? 'none'}`,
    );
  const running = (local.services ?? [])
    .filter((service) => service.status === 'Running')
    .map((service) => service.name);
  if (!local.install?.installed)
    return {
      passed: false,
      summary: 'No connector is installed on this server.',
      remedy: 'Run step 3 (Connector install) and step 4 (Registration).',
      details,
    };
  if (!local.machineName)
    return {
      passed: false,
      summary: "This server's DNS name could not be read, so its connector cannot be found in the tenant.",
      remedy: 'Read the problems below; run the companion elevated.',
      details,
    };
  if (!mine) {
    return {
      passed: false,
      summary: `The tenant lists no connector named ${local.machineName}${connectors.length ? ` (it lists ${connectors.length} other${connectors.length > 1 ? 's' : ''})` : ''}.`,
      remedy:
        'Register this connector to this tenant (step 4); if it is registered, check it is not registered to another tenant (the trust certificate names the tenant).',
      details,
    };
  }
  if (!running.includes('WAPCSvc') || !running.includes('WAPCUpdaterSvc')) {
    return {
      passed: false,
      summary: `The tenant lists this server's connector as ${mine.status}, but ${['WAPCSvc', 'WAPCUpdaterSvc'].filter((name) => !running.includes(name)).join(' and ')} is not running here.`,
      remedy: 'Start-Service WAPCSvc, WAPCUpdaterSvc, and set both to Automatic.',
      details,
    };
  }
  if (mine.status !== 'active') {
    return {
      passed: false,
      summary: `The tenant lists this server's connector as ${mine.status}: it has not reached the service for an hour.`,
      remedy:
        'Check the connector reaches *.msappproxy.net and <tenant>.bootstrap.msappproxy.net on 443 (Readiness), that its trust certificate is not expired (Verify in step 4), and the Admin log in Event Viewer.',
      details,
    };
  }
  const group = mine.group;
  const activeInGroup = connectors.filter(
    (connector) => connector.status === 'active' && connector.group?.id === group?.id,
  ).length;
  const unknown = others.filter((connector) => connector.group?.id !== group?.id || connector.status !== 'active');
  const notes: string[] = [];
  if (activeInGroup < 2)
    notes.push(`Only ${activeInGroup} active connector in group ${group?.name ?? '(none)'}: no high availability.`);
  if (unknown.length)
    notes.push(
      `${unknown.length} other connector${unknown.length > 1 ? 's' : ''} in the tenant (${unknown.map((connector) => `${connector.machineName}, ${connector.status}`).join('; ')}): check each is yours.`,
    );
  return {
    passed: true,
    summary: `This server's connector (${mine.machineName}) is active in group ${group?.name ?? '(none)'}, with ${activeInGroup} active connector${activeInGroup === 1 ? '' : 's'} in it.${notes.length ? ` ${notes.join(' ')}` : ''}`,
    ...(activeInGroup < 2
      ? {
          remedy: `Install and register a second connector on another server and put it in group ${group?.name ?? 'Default'}: if this one stops, SCEP stops.`,
        }
      : {}),
    details,
  };
}

export async function runConnectorStatus(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const request = { ...(context.inputs.cloud ? { cloud: context.inputs.cloud } : {}) };
  const [local, connectors] = await Promise.all([
    context.services.powershell.run('Get-ConnectorState', {
      signal: context.signal,
      onProgress: (message) => context.progress(message),
    }),
    readCloudConnectors(cloudServices.graph(request, context.runId), context.signal),
  ]);
  return judgeConnectorStatus(local.data, connectors);
}
