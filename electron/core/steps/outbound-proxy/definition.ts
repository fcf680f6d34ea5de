import { type StepDefinition } from '../step.ts';
import { outboundProxyOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { proxyPlan, runProxy, verifyProxy } from './proxy.ts';

export const outboundProxyStep: StepDefinition = {
  offline: outboundProxyOffline,
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
};
