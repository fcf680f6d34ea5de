import { type StepDefinition } from '../step.ts';
import { intuneOffline } from './offline.ts';
import { signedInCloudInput } from '../shared/cloud-input.ts';
import { docs } from '../../runbook/docs.ts';
import { intunePlan, runIntune, verifyIntune } from './intune.ts';

export const intuneStep: StepDefinition = {
  offline: intuneOffline,
  id: 'intune',
  title: 'Intune',
  summary: 'Point the Intune SCEP certificate profiles at the external URL, keeping what it replaced.',
  why: { text: 'Devices only use the new path once their SCEP profile lists it.', docUrl: docs.scepProfile },
  inputs: [
    {
      id: 'action',
      label: 'What to do',
      help: 'list: show every SCEP profile and the proposed change (changes nothing). apply: change the profiles ticked in the list. rollback: put back what the companion replaced.',
      kind: 'choice',
      required: false,
      choices: ['list', 'apply', 'rollback'],
    },
    {
      id: 'externalUrl',
      label: 'External SCEP URL',
      help: 'The SCEP URL the Publish step read back, ending in /certsrv/mscep/mscep.dll: filled in once Publish has run; you may type another.',
      kind: 'url',
      required: true,
      placeholder: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
      defaultFrom: { stepId: 'publish', value: 'scepUrl' },
    },
    {
      id: 'mode',
      label: 'Change',
      help: 'replace: the internal URL makes way for the external one (devices outside the network cannot use it anyway). add: the external URL joins the list (every URL must then work wherever the device is).',
      kind: 'choice',
      required: false,
      choices: ['replace', 'add'],
    },
    {
      id: 'internalUrl',
      label: 'Internal SCEP URL to replace',
      help: 'The URL the profiles use today; only this URL is replaced, and profiles that do not use it are left alone. Left empty, it is the internal URL of the app published for the external URL (the run says which).',
      kind: 'url',
      required: false,
      placeholder: 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll',
    },
    signedInCloudInput,
  ],
  cloud: true,
  plan: intunePlan,
  whatIf: true,
  capability: { run: runIntune, verify: verifyIntune },
};
