/** Microsoft documentation the steps cite (reference/domain.md source list). */
export const docs = {
  protectNdes: 'https://learn.microsoft.com/entra/identity/app-proxy/app-proxy-protect-ndes',
  configureConnectors: 'https://learn.microsoft.com/entra/global-secure-access/how-to-configure-connectors',
  registerConnectorPowerShell:
    'https://learn.microsoft.com/entra/global-secure-access/how-to-register-connector-powershell',
  connectorsWithProxy:
    'https://learn.microsoft.com/entra/identity/app-proxy/application-proxy-configure-connectors-with-proxy-servers',
  troubleshootConnectors: 'https://learn.microsoft.com/entra/global-secure-access/troubleshoot-connectors',
  graphAppProxy: 'https://learn.microsoft.com/graph/application-proxy-configure-api',
  scepConfigure: 'https://learn.microsoft.com/mem/intune/protect/certificates-scep-configure',
  scepProfile: 'https://learn.microsoft.com/mem/intune/protect/certificates-profile-scep',
  troubleshootScep:
    'https://learn.microsoft.com/troubleshoot/mem/intune/certificates/troubleshoot-scep-certificate-device-to-ndes',
  appProxyTroubleshoot: 'https://learn.microsoft.com/entra/identity/app-proxy/application-proxy-troubleshoot',
} as const;

/** Hosts the app may open in the system browser (docs/reference/electron.md §2.1, checklist item 15). */
export const externalAllowlist = [
  'learn.microsoft.com',
  'entra.microsoft.com',
  'intune.microsoft.com',
  'login.microsoftonline.com',
] as const;

export function isAllowedExternalUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    (externalAllowlist as readonly string[]).includes(url.hostname)
  );
}
