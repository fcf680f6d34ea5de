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
    ...(tenantId
      ? [
          {
            host: `${tenantId.toLowerCase()}.bootstrap.msappproxy.net`,
            port: 443 as const,
            use: 'connector bootstrap (every 10 minutes)',
            tunnel: true,
          },
        ]
      : []),
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

/**
 * The roots Microsoft's cloud services chain to, by SHA-256 fingerprint, as the Azure
 * Certificate Authority details list them
 * (https://learn.microsoft.com/azure/security/fundamentals/azure-ca-details): DigiCert Global
 * Root G2, DigiCert Global Root CA, DigiCert Global Root G3, Microsoft RSA Root Certificate
 * Authority 2017, Microsoft ECC Root Certificate Authority 2017. Fingerprints as published in the
 * Mozilla root store that Node.js ships (tests/unit/service-roots.test.ts checks each against
 * it). A name proves nothing: an inspecting proxy can call its CA anything.
 */
export const SERVICE_ROOTS: Readonly<Record<string, string>> = {
  'CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F':
    'DigiCert Global Root G2',
  '43:48:A0:E9:44:4C:78:CB:26:5E:05:8D:5E:89:44:B4:D8:4F:96:62:BD:26:DB:25:7F:89:34:A4:43:C7:01:61':
    'DigiCert Global Root CA',
  '31:AD:66:48:F8:10:41:38:C7:38:F3:9E:A4:32:01:33:39:3E:3A:18:CC:02:29:6E:F9:7C:2A:C9:EF:67:31:D0':
    'DigiCert Global Root G3',
  'C7:41:F7:0F:4B:2A:8D:88:BF:2E:71:C1:41:22:EF:53:EF:10:EB:A0:CF:A5:E6:4C:FA:20:F4:18:85:30:73:E0':
    'Microsoft RSA Root Certificate Authority 2017',
  '35:8D:F3:9D:76:4A:F9:E1:B7:66:E9:C9:72:DF:35:2E:E1:5C:FA:C2:27:AF:6A:D1:D7:0E:8E:4A:6E:DC:BA:02':
    'Microsoft ECC Root Certificate Authority 2017',
};

/**
 * Whether a chain ends at one of Microsoft's service roots: its last certificate must be a
 * root (issuer = subject) whose fingerprint is one of SERVICE_ROOTS, or one the composition root
 * adds (the lab declares its own). A chain that stops short of a known root does not count.
 */
export function endsAtServiceRoot(
  chain: readonly { subject: string; issuer: string; fingerprint256: string }[],
  extraRoots: readonly string[] = [],
): boolean {
  const top = chain.at(-1);
  if (!top || top.subject !== top.issuer) return false;
  const fingerprint = top.fingerprint256.toUpperCase();
  return Object.hasOwn(SERVICE_ROOTS, fingerprint) || extraRoots.some((extra) => extra.toUpperCase() === fingerprint);
}
