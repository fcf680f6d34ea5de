import type { StepOffline } from '../step.ts';
import { APP_PROXY, or, yes, confirmField, refuse } from '../shared/offline-text.ts';
import { manualRegistrationCommand } from './register.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const registrationOffline: StepOffline = {
  /** The portal path of Microsoft's guide, with this runbook's values. */
  portal: (values) => {
    const server = or(values.connectorServer, 'this server');
    return [
      `On ${server}, in an elevated Windows PowerShell, run the connector's own interactive registration: ${manualRegistrationCommand()}`,
      `Sign in with an Application Administrator of tenant ${or(values.tenantId, '<tenant ID>')} (the account must belong to the directory where Application Proxy is enabled; IE Enhanced Security Configuration must allow the sign-in page).`,
      `Open ${APP_PROXY}: the connector on ${server} is listed with the status Active. Record that below.`,
    ];
  },
  /** What the admin records from the portal, and how it is checked. */
  confirm: {
    fields: [
      confirmField(
        'connectorActive',
        "The portal lists this server's connector as Active",
        'Choose yes once Application proxy shows the connector on this server with the status Active.',
      ),
    ],
    judge(inputs) {
      if (!yes(inputs.connectorActive))
        return refuse(
          'The connector was not confirmed as Active.',
          'Register the connector as planned, check the Application proxy page, and choose yes once it shows Active.',
        );
      return { ok: true, lines: ["The Application proxy page lists this server's connector as Active."] };
    },
  },
};
