import type { StepOffline } from '../step.ts';
import { refuse } from '../shared/offline-text.ts';
import { checkUrl } from '../../checks/input-rules.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const intuneOffline: StepOffline = {
  /** The portal path of Microsoft's guide, with this runbook's values. */
  portal: (values) => [
    'In the Intune admin center (https://intune.microsoft.com), open Devices > Configuration, then each SCEP certificate profile (one first, as a pilot).',
    `Under SCEP Server URLs, add ${values.externalUrl ? `${values.externalUrl.replace(/\/?$/, '/')}${/certsrv\/mscep\/$/i.test(values.externalUrl.replace(/\/?$/, '/')) ? '' : 'certsrv/mscep/'}mscep.dll` : 'the external SCEP URL (…/certsrv/mscep/mscep.dll)'}${values.internalUrl ? ` and remove ${values.internalUrl.replace(/\/?$/, '/')}certsrv/mscep/mscep.dll once devices enrol through it` : ''}. Intune tries the URLs of a profile in turn: every URL listed must work wherever the device is.`,
    'Configuration Manager: go to the certificate registration point and adjust the URL there.',
    'Record below the profiles you changed.',
  ],
  /** What the admin records from the portal, and how it is checked. */
  confirm: {
    fields: [
      {
        id: 'profilesChanged',
        label: 'SCEP profiles changed',
        help: 'Their names as Intune shows them, comma-separated (one first, as a pilot).',
        kind: 'text',
        required: true,
        placeholder: 'Contoso iOS SCEP',
      },
      {
        id: 'previousUrls',
        label: 'SCEP Server URLs they held before',
        help: 'As the profiles listed them before the change, comma-separated: the back-out plan puts these back.',
        kind: 'text',
        required: true,
        placeholder: 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll',
      },
    ],
    judge(inputs) {
      const names = (inputs.profilesChanged ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      if (names.length === 0)
        return refuse(
          'No changed profile was recorded.',
          'Type the names of the SCEP profiles you changed, as Intune shows them.',
        );
      if (names.some((name) => name.length > 256))
        return refuse('A profile name is longer than Intune allows.', 'Type each profile name as Intune shows it.');
      const previous = (inputs.previousUrls ?? '')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean);
      if (previous.length === 0)
        return refuse(
          'The URLs the profiles held before were not recorded.',
          'Type the SCEP Server URLs as they were before the change: without them the change cannot be backed out exactly.',
        );
      const bad = previous.find((url) => !checkUrl(url, 'internal').ok);
      if (bad)
        return refuse(
          `"${bad.slice(0, 120)}" is not a URL.`,
          'Type each URL whole, e.g. https://ndes01.contoso.local/certsrv/mscep/mscep.dll.',
        );
      return {
        ok: true,
        lines: [
          `SCEP profiles changed in the Intune admin center: ${names.join(', ')}.`,
          `SCEP Server URLs they held before (to put back when backing out): ${previous.join(', ')}.`,
        ],
      };
    },
  },
};
