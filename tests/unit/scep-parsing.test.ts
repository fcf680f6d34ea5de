import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapabilities, looksLikeCapabilities } from '../../electron/core/checks/scep/caps.ts';
import { EKU_CERTIFICATE_REQUEST_AGENT, parseCaCert, sniffShape } from '../../electron/core/checks/scep/cacert.ts';
import { repoRoot } from '../helpers/companion.ts';

const fixtures = join(repoRoot, 'tests', 'fixtures', 'scep-smallstep');
const pemOf = (file: string) => {
  const text = readFileSync(join(fixtures, file), 'utf8');
  return text.slice(text.indexOf('-----BEGIN CERTIFICATE-----'));
};
const derOf = (pem: string) =>
  Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
const realRa = pemOf('testca2/ca2.pem');
const testCa = pemOf('testca/ca.pem');
/** The RA and CA bundled as PKCS#7 certs-only by openssl, not by our own library (see SOURCE.md). */
const opensslBundle = readFileSync(join(fixtures, 'getcacert-ra-and-ca.p7b'));

describe('GetCACaps parsing (RFC 8894 §3.5.2)', () => {
  it.each([
    ['LF', 'POSTPKIOperation\nRenewal\nSHA-256\n'],
    ['CRLF', 'POSTPKIOperation\r\nRenewal\r\nSHA-256\r\n'],
    ['no trailing newline', 'POSTPKIOperation\nRenewal\nSHA-256'],
    ['any case', 'postpkioperation\nRENEWAL\nsha-256'],
  ])('%s', (_name, body) => {
    const caps = parseCapabilities(body);
    expect(caps.keywords).toEqual(['POSTPKIOperation', 'Renewal', 'SHA-256']);
    expect(caps.has('sha-256')).toBe(true);
  });

  it('keeps unknown keywords, and SCEPStandard implies AES, POST and SHA-256', () => {
    const caps = parseCapabilities('SCEPStandard\nSHAng\n');
    expect(caps.unknown).toEqual(['SHAng']);
    expect(caps.has('AES') && caps.has('POSTPKIOperation') && caps.has('SHA-256')).toBe(true);
  });

  it('an empty answer means no capabilities; an HTML page is not a capability list', () => {
    expect(parseCapabilities('').keywords).toEqual([]);
    expect(looksLikeCapabilities(Buffer.from(''))).toBe(true);
    expect(looksLikeCapabilities(Buffer.from('<html><title>IIS</title></html>'))).toBe(false);
  });
});

describe('GetCACert parsing with real NDES material', () => {
  const now = new Date('2026-11-26T00:00:00Z');

  it('reads the real NDES RA certificate: Certificate Request Agent, digitalSignature, EnrollmentAgentOffline, expired', async () => {
    const bundle = await parseCaCert(derOf(realRa), 'application/x-x509-ca-cert', now);
    expect(bundle.shape).toBe('single');
    const [ra] = bundle.certificates;
    expect(ra).toMatchObject({
      role: 'ra-signing',
      subject: 'C=US, CN=CERT-PROV-CA-MSCEP-RA',
      template: 'EnrollmentAgentOffline',
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: [EKU_CERTIFICATE_REQUEST_AGENT],
    });
    expect(ra?.notAfter.slice(0, 10)).toBe('2022-10-30');
    expect(ra?.daysToExpiry).toBeLessThan(0);
  });

  it('reads an openssl-made PKCS#7 bundle of RA and CA, whatever the Content-Type says', async () => {
    const body = opensslBundle;
    expect(sniffShape(body)).toBe('pkcs7');
    for (const contentType of ['application/x-x509-ca-ra-cert', 'text/html', null]) {
      const bundle = await parseCaCert(body, contentType, now);
      expect(bundle.shape).toBe('pkcs7');
      expect(bundle.certificates.map((cert) => cert.role).sort()).toEqual(['ca', 'ra-signing']);
    }
  });

  it('reads a PEM answer and a single CA certificate', async () => {
    const bundle = await parseCaCert(Buffer.from(testCa), null, now);
    expect(bundle.certificates[0]).toMatchObject({ role: 'ca', isCa: true });
    expect(bundle.certificates[0]?.sha256).toMatch(/^[0-9A-F]{64}$/);
  });

  it('refuses what is not a certificate: an HTML page, text, an empty answer', async () => {
    await expect(
      parseCaCert(Buffer.from('<html>Network Device Enrollment Service</html>'), 'text/html', now),
    ).rejects.toThrow(/neither a DER certificate nor a PKCS#7/);
    await expect(parseCaCert(Buffer.from('POSTPKIOperation\nSHA-256\n'), 'text/plain', now)).rejects.toThrow();
    await expect(parseCaCert(Buffer.alloc(0), null, now)).rejects.toThrow();
  });

  it('reads the certificates of any PKCS#7 SignedData, a CertRep included', async () => {
    // A real CertRep is SignedData too; it carries two certificates, which is all GetCACert parsing looks at.
    const certRep = await parseCaCert(readFileSync(join(fixtures, 'CertRep.der')), 'application/x-pki-message', now);
    expect(certRep.certificates).toHaveLength(2);
  });
});
