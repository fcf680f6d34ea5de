import { type StepDefinition } from '../step.ts';
import { verifyOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { checkCapability } from '../shared/check-step.ts';
import { base, longUrlKbOf, probeSettings } from '../shared/probe-inputs.ts';
import { scepRequests } from '../../checks/scep/reachability.ts';

export const verifyStep: StepDefinition = {
  offline: verifyOffline,
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
};
