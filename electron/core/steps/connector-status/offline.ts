import type { StepOffline } from '../step.ts';
import { APP_PROXY, or, yes, confirmField, refuse } from '../shared/offline-text.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const connectorStatusOffline: StepOffline = {
  /** The portal path of Microsoft's guide, with this runbook's values. */
  portal: (values) => {
    const server = or(values.connectorServer, 'this server');
    return [
      `Open ${APP_PROXY}.`,
      `Check that ${server} is listed with the status Active and note its connector group.`,
      'For high availability, check that group has at least two active connectors (install a connector on another server otherwise).',
    ];
  },
  /** What the admin records from the portal, and how it is checked. */
  confirm: {
    fields: [
      confirmField(
        'connectorActive',
        "This server's connector is Active",
        'Choose yes once the Application proxy page shows it Active.',
      ),
      {
        id: 'connectorGroup',
        label: 'Its connector group',
        help: 'As the Application proxy page shows it, e.g. Default or NDES.',
        kind: 'text',
        required: false,
        placeholder: 'Default',
      },
      {
        id: 'activeInGroup',
        label: 'Active connectors in that group',
        help: 'A number; fewer than 2 means no high availability.',
        kind: 'text',
        required: false,
        placeholder: '2',
      },
    ],
    judge(inputs) {
      if (!yes(inputs.connectorActive))
        return refuse(
          'The connector was not confirmed as Active.',
          "Check the Application proxy page; an inactive connector cannot carry NDES traffic (see Connector status in Microsoft's troubleshooting).",
        );
      const count = (inputs.activeInGroup ?? '').trim();
      if (count !== '' && !/^\d{1,3}$/.test(count))
        return refuse(
          `"${count.slice(0, 20)}" is not a number of connectors.`,
          'Type how many active connectors the group has, e.g. 2.',
        );
      const group = (inputs.connectorGroup ?? '').trim().slice(0, 100) || 'its group';
      return {
        ok: true,
        lines: [
          `This server's connector is Active in ${group}${count ? `, with ${count} active connector(s)` : ''}.`,
          ...(count !== '' && Number(count) < 2
            ? ['Warning: fewer than 2 active connectors in the group: no high availability.']
            : []),
        ],
      };
    },
  },
};
