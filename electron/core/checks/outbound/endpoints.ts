/**
 * The outbound endpoints of reference/domain.md §4.2, wildcards expanded to the concrete
 * hosts the connector uses. `tunnel` marks the hosts whose TLS must not be inspected: the
 * connector authenticates to them with its client certificate.
 */
export interface Endpoint {
  host: string;
  port: 443 | 80;
  use: string;
  tunnel: boolean;
}

export function outboundEndpoints(tenantId?: string): Endpoint[] {
  const list: Endpoint[] = [
    ...(tenantId ? [{ host: `${tenantId.toLowerCase()}.bootstrap.msappproxy.net`, port: 443 as const, use: 'connector bootstrap (every 10 minutes)', tunnel: true }] : []),
    { host: 'autoupdate.msappproxy.net', port: 443, use: 'connector updater', tunnel: true },
    { host: 'login.microsoftonline.com', port: 443, use: 'sign-in and registration', tunnel: false },
    { host: 'login.windows.net', port: 443, use: 'sign-in and registration', tunnel: false },
    { host: 'secure.aadcdn.microsoftonline-p.com', port: 443, use: 'sign-in pages', tunnel: false },
    { host: 'enterpriseregistration.windows.net', port: 443, use: 'registration', tunnel: false },
    { host: 'management.azure.com', port: 443, use: 'registration', tunnel: false },
    { host: 'ctldl.windowsupdate.com', port: 443, use: 'certificate trust lists', tunnel: false },
    { host: 'www.microsoft.com', port: 443, use: 'certificates (/pkiops)', tunnel: false },
    { host: 'crl3.digicert.com', port: 80, use: 'CRL for TLS certificate validation', tunnel: false },
    { host: 'crl4.digicert.com', port: 80, use: 'CRL for TLS certificate validation', tunnel: false },
    { host: 'ocsp.digicert.com', port: 80, use: 'OCSP for TLS certificate validation', tunnel: false },
    { host: 'crl.microsoft.com', port: 80, use: 'CRL for TLS certificate validation', tunnel: false },
    { host: 'oneocsp.microsoft.com', port: 80, use: 'OCSP for TLS certificate validation', tunnel: false },
    { host: 'ocsp.msocsp.com', port: 80, use: 'OCSP for TLS certificate validation', tunnel: false },
    { host: 'ctldl.windowsupdate.com', port: 80, use: 'certificate trust lists', tunnel: false },
    { host: 'www.microsoft.com', port: 80, use: 'certificates (/pkiops)', tunnel: false },
  ];
  return list;
}

/** Roots the Microsoft cloud chains to (Azure CA details): anything else on a tunnel host is an interceptor. */
const PUBLIC_ROOT_NAMES = [/DigiCert/i, /Microsoft/i, /Baltimore CyberTrust/i];

export function isPublicMicrosoftRoot(issuerOfTopCertificate: string): boolean {
  const organisation = /(?:^|,\s*)O=([^,]+)/.exec(issuerOfTopCertificate)?.[1] ?? '';
  const commonName = /(?:^|,\s*)CN=([^,]+)/.exec(issuerOfTopCertificate)?.[1] ?? '';
  return PUBLIC_ROOT_NAMES.some((pattern) => pattern.test(organisation) || pattern.test(commonName));
}
