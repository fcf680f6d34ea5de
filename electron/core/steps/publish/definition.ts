import { type StepDefinition, type StepResult } from '../step.ts';
import { publishOffline } from './offline.ts';
import { signedInCloudInput } from '../shared/cloud-input.ts';
import { docs } from '../../runbook/docs.ts';
import { publishPlan, runPublish, verifyPublish } from './publish.ts';

/**
 * What Publish read back, for Verify and Intune to default to: the external URL as Graph shows it,
 * the SCEP URL devices call, and the server URL the probes add /certsrv/mscep/mscep.dll to.
 */
export function publishReadBack(result: StepResult): Record<string, string> {
  const evidence = (result.evidence ?? {}) as { externalUrl?: unknown; scepUrl?: unknown };
  if (typeof evidence.externalUrl !== 'string' || !/^https:\/\//i.test(evidence.externalUrl)) return {};
  const external = evidence.externalUrl.replace(/\/?$/, '/');
  const scepUrl =
    typeof evidence.scepUrl === 'string' && evidence.scepUrl
      ? evidence.scepUrl
      : `${external}${/\/certsrv\/mscep\/$/i.test(external) ? '' : 'certsrv/mscep/'}mscep.dll`;
  return { externalUrl: evidence.externalUrl, scepUrl, serverUrl: scepUrl.replace(/certsrv\/mscep\/mscep\.dll$/i, '') };
}

export const publishStep: StepDefinition = {
  offline: publishOffline,
  id: 'publish',
  title: 'Publish',
  summary: 'Publish NDES as an on-premises application with Passthrough pre-authentication.',
  why: {
    text: 'SCEP clients cannot sign in to Microsoft Entra ID, so the app must use Passthrough.',
    docUrl: docs.protectNdes,
  },
  inputs: [
    {
      id: 'appName',
      label: 'Application name',
      help: 'Shown in Enterprise applications; also the start of the external URL.',
      kind: 'text',
      required: true,
      placeholder: 'NDES',
    },
    {
      id: 'internalUrl',
      label: 'Internal URL',
      help: 'The NDES server by its name, as the connector reaches it, e.g. https://ndes01.contoso.local/.',
      kind: 'url',
      required: true,
      placeholder: 'https://ndes01.contoso.local/',
    },
    {
      id: 'scope',
      label: 'What to publish',
      help: "mscep only (recommended): only /certsrv/mscep/ is reachable from the internet, not IIS's root or mscep_admin; the external URL then ends in /certsrv/mscep/. whole server: simpler URLs, but everything this IIS serves is exposed.",
      kind: 'choice',
      required: false,
      choices: ['mscep only', 'whole server'],
    },
    {
      id: 'connectorGroup',
      label: 'Dedicated connector group',
      help: "A group for NDES (recommended by Microsoft's NDES guidance): created if missing, and this server's connector is moved into it. Leave empty to use the Default group.",
      kind: 'text',
      required: false,
      placeholder: 'NDES',
    },
    {
      id: 'externalLabel',
      label: 'External URL label',
      help: 'The part before -<tenant>.msappproxy.net; defaults to the application name.',
      kind: 'text',
      required: false,
      placeholder: 'ndes',
    },
    {
      id: 'customDomain',
      label: 'Custom domain name',
      help: 'Only to publish on your own domain instead of msappproxy.net: the external host name, on a domain verified in your tenant (e.g. ndes.contoso.com). Needs the PFX below; afterwards create the CNAME record the result names.',
      kind: 'text',
      required: false,
      placeholder: 'ndes.contoso.com',
    },
    {
      id: 'pfxPath',
      label: 'Certificate (PFX) for the custom domain',
      help: 'Full path of the .pfx with the private key and its whole chain (a wildcard is fine); its password goes in the password field. Checked on this server before anything is uploaded.',
      kind: 'file',
      required: false,
      placeholder: 'C:\\Certs\\ndes.contoso.com.pfx',
    },
    signedInCloudInput,
  ],
  cloud: true,
  plan: publishPlan,
  readBack: publishReadBack,
  whatIf: true,
  capability: { run: runPublish, verify: verifyPublish },
};
