import type { StepOffline } from '../step.ts';
import { withSlash } from '../shared/offline-text.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const verifyOffline: StepOffline = {
  /** The same step done without the app, for a reader of the printed runbook. */
  byHand: (values) => {
    const external = values.externalUrl
      ? withSlash(values.externalUrl).replace(/certsrv\/mscep\/$/i, '')
      : 'https://<app>-<tenant>.msappproxy.net/';
    return [
      `In a browser outside the company network: ${external} shows the IIS start page (the whole server published) or ${external}certsrv/mscep/ answers (only SCEP published).`,
      `${external}certsrv/mscep/mscep.dll answers HTTP Error 403 - Forbidden, and ${external}certsrv/mscep/mscep.dll?operation=GetCACaps&message=default lists the CA's capabilities.`,
    ];
  },
};
