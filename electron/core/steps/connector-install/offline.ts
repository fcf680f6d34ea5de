import type { StepOffline } from '../step.ts';
import { APP_PROXY, or } from '../shared/offline-text.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const connectorInstallOffline: StepOffline = {
  /** The same step done without the app, for a reader of the printed runbook. */
  byHand: (values) => {
    const server = or(values.connectorServer, 'the NDES server');
    return [
      `In the ${APP_PROXY}, select Download connector service, read the terms and select Accept terms & Download.`,
      `Copy the installer to ${server} and run it in an elevated prompt: MicrosoftEntraPrivateNetworkConnectorInstaller.exe REGISTERCONNECTOR="false" /q (or run it interactively and register in its wizard).`,
      'Check both services run: Get-Service WAPCSvc, WAPCUpdaterSvc.',
    ];
  },
};
