import type { StepOffline } from '../step.ts';
import { PORTAL, or, yes, confirmField, refuse } from '../shared/offline-text.ts';
import { checkUrl } from '../../checks/input-rules.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const publishOffline: StepOffline = {
  /** The portal path of Microsoft's guide, with this runbook's values. */
  portal: (values) => {
    return [
      `In the ${PORTAL}, select Enterprise applications, then + New application, then On-premises application.`,
      `Name: ${or(values.appName, 'NDES')}. Internal Url: ${values.internalUrl ? `${values.internalUrl.replace(/\/?$/, '/')}certsrv/mscep/ (only SCEP is published; ${values.internalUrl} alone publishes IIS's root too)` : 'https://<NDES server FQDN>/certsrv/mscep/'}.`,
      'Pre Authentication: Passthrough (SCEP cannot do any pre-authentication). Translate URLs in headers: Yes; in application body: No.',
      'Copy the External URL the page shows, then select + Add. Record the External URL below.',
      'Custom domain (optional): choose it in External Url, upload its PFX with the password in the Certificate field, Save, and create the CNAME record the information bar shows.',
    ];
  },
  /** What the admin records from the portal, and how it is checked. */
  confirm: {
    fields: [
      {
        id: 'externalUrl',
        label: 'External URL shown in the portal',
        help: 'As the portal shows it after + Add, e.g. https://ndes-contoso.msappproxy.net/certsrv/mscep/.',
        kind: 'url',
        required: true,
        placeholder: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      },
      confirmField(
        'passthrough',
        'Pre Authentication is Passthrough',
        'Choose yes once the application shows Pre Authentication: Passthrough.',
      ),
      {
        id: 'verifiedDomains',
        label: 'Verified custom domains (only for a custom-domain URL)',
        help: 'Comma-separated, e.g. contoso.com, when the external URL is on your own domain.',
        kind: 'text',
        required: false,
      },
    ],
    judge(inputs) {
      const verifiedDomains = (inputs.verifiedDomains ?? '')
        .split(',')
        .map((domain) => domain.trim())
        .filter(Boolean);
      const verdict = checkUrl(inputs.externalUrl ?? '', 'external', { verifiedDomains });
      if (!verdict.ok)
        return refuse(
          `The external URL was refused: ${verdict.message}`,
          "Copy the External URL exactly as the application's Application proxy page shows it.",
        );
      if (!yes(inputs.passthrough))
        return refuse(
          'Passthrough was not confirmed.',
          'Set Pre Authentication to Passthrough: SCEP devices cannot sign in to Microsoft Entra ID.',
        );
      const external = verdict.normalized.replace(/\/?$/, '/');
      const scepUrl = `${external}${/\/certsrv\/mscep\/$/i.test(external) ? '' : 'certsrv/mscep/'}mscep.dll`;
      return {
        ok: true,
        lines: [
          `External URL ${verdict.normalized}, Pre Authentication Passthrough, as read in the portal.`,
          ...verdict.notes,
        ],
        readBack: {
          externalUrl: verdict.normalized,
          scepUrl,
          serverUrl: scepUrl.replace(/certsrv\/mscep\/mscep\.dll$/i, ''),
        },
      };
    },
  },
};
