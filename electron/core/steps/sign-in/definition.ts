import { type StepDefinition } from '../step.ts';
import { signInOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { runSignIn, signInPlan, verifySignIn } from './sign-in.ts';

export const signInStep: StepDefinition = {
  offline: signInOffline,
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
};
