import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { endsAtServiceRoot, SERVICE_ROOTS } from '../../electron/core/checks/outbound/endpoints.ts';
import { createLabCa } from '../lab/tls.ts';

/** Node's own copy of the Mozilla root store: something we did not write. */
const mozilla = rootCertificates.map((pem) => new X509Certificate(pem));
const chainOf = (certificate: X509Certificate) => [
  {
    subject: certificate.subject.replaceAll('\n', ', '),
    issuer: certificate.issuer.replaceAll('\n', ', '),
    fingerprint256: certificate.fingerprint256,
  },
];

describe("Microsoft's service roots, by fingerprint", () => {
  it.each(Object.entries(SERVICE_ROOTS))('%s is %s in the Mozilla root store Node.js ships', (fingerprint, name) => {
    const root = mozilla.find((certificate) => certificate.fingerprint256 === fingerprint);
    expect(root?.subject).toContain(`CN=${name}`);
  });

  it('a chain ending at the real DigiCert Global Root G2 counts', () => {
    const g2 = mozilla.find((certificate) => certificate.subject.includes('CN=DigiCert Global Root G2'));
    expect(g2).toBeDefined();
    expect(endsAtServiceRoot(chainOf(g2 as X509Certificate))).toBe(true);
  });

  it('an inspecting proxy\'s CA that calls itself "DigiCert Global Root G2" does not', async () => {
    const impostor = new X509Certificate(
      (await createLabCa('CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US')).certPem,
    );
    expect(endsAtServiceRoot(chainOf(impostor))).toBe(false);
    // Unless the composition root declares it (as the lab does for its own root).
    expect(endsAtServiceRoot(chainOf(impostor), [impostor.fingerprint256])).toBe(true);
  });

  it('a chain that stops short of a root does not count', () => {
    expect(
      endsAtServiceRoot([
        {
          subject: 'CN=Microsoft Azure RSA TLS Issuing CA 04',
          issuer: 'CN=DigiCert Global Root G2',
          fingerprint256: 'AA',
        },
      ]),
    ).toBe(false);
    expect(endsAtServiceRoot([])).toBe(false);
  });
});
