import type { StepOffline } from '../step.ts';
import { or } from '../shared/offline-text.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const outboundProxyOffline: StepOffline = {
  /** The same step done without the app, for a reader of the printed runbook. */
  byHand: (values) => {
    const server = or(values.connectorServer, 'the NDES server');
    return [
      `Only when ${server} reaches the internet through a proxy: in an elevated Windows PowerShell, run & "C:\\Program Files\\Microsoft Entra private network connector\\ConfigureOutBoundProxy.ps1" -ProxyAddress http://<proxy>:<port>.`,
      'Restart both services: Restart-Service WAPCSvc, WAPCUpdaterSvc.',
    ];
  },
};
