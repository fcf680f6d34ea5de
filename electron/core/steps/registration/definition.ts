import { type StepDefinition } from '../step.ts';
import { registrationOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { registerPlan, runRegister, verifyRegister } from './register.ts';

export const registrationStep: StepDefinition = {
  offline: registrationOffline,
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
};
