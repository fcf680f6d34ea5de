import { type StepDefinition } from '../step.ts';
import { readinessOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { checkCapability } from '../shared/check-step.ts';
import { base, longUrlKbOf, probeSettings } from '../shared/probe-inputs.ts';
import { outboundEndpoints } from '../../checks/outbound/endpoints.ts';
import { scepRequests } from '../../checks/scep/reachability.ts';

export const readinessStep: StepDefinition = {
  offline: readinessOffline,
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
};
