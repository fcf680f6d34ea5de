import type { StepOffline } from '../step.ts';
import { PORTAL, refuse } from '../shared/offline-text.ts';
import { GUID } from '../../checks/input-rules.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const signInOffline: StepOffline = {
  /** The portal path of Microsoft's guide, with this runbook's values. */
  portal: () => [
    `Sign in to the ${PORTAL} as at least an Application Administrator.`,
    'Select your username in the upper-right corner and check you are signed in to the directory that uses Application Proxy (Switch directory otherwise).',
    'Browse to Identity > Overview and record the Tenant ID below.',
  ],
  /** What the admin records from the portal, and how it is checked. */
  confirm: {
    fields: [
      {
        id: 'tenantId',
        label: 'Tenant ID read in the portal',
        help: 'Identity > Overview > Tenant ID: a GUID such as 00000000-0000-0000-0000-000000000000.',
        kind: 'text',
        required: true,
        placeholder: '00000000-0000-0000-0000-000000000000',
      },
    ],
    judge(inputs) {
      const tenant = (inputs.tenantId ?? '').trim();
      if (!GUID.test(tenant))
        return refuse(
          tenant === '' ? 'No tenant ID was recorded.' : `"${tenant.slice(0, 80)}" is not a tenant ID.`,
          'Copy the Tenant ID from Identity > Overview: a GUID such as 00000000-0000-0000-0000-000000000000.',
        );
      return { ok: true, lines: [`Tenant ID ${tenant.toLowerCase()}, as read in the portal.`] };
    },
  },
};
