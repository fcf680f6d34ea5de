import type { StepOffline } from '../step.ts';
import { or, withSlash } from '../shared/offline-text.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const readinessOffline: StepOffline = {
  /** The same step done without the app, for a reader of the printed runbook. */
  byHand: (values) => {
    const server = or(values.connectorServer, 'the NDES server');
    const internal = values.internalUrl ? withSlash(values.internalUrl) : 'https://<NDES server FQDN>/';
    return [
      `On ${server}: Windows Server 2016 or later with .NET Framework 4.7.2 or later (what the current connector requires), and TLS 1.2 for .NET (SchUseStrongCrypto = 1 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319).`,
      `From ${server}: Test-NetConnection -ComputerName login.microsoftonline.com -Port 443 succeeds, as do the other hosts of Microsoft's "Outbound ports and URLs" list for the connector (no TLS inspection for them).`,
      `In a browser on ${server}: ${internal} shows the IIS start page, and ${internal}certsrv/mscep/mscep.dll answers HTTP Error 403 - Forbidden.`,
    ];
  },
};
