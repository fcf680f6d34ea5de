import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as Crypto);

const RSA: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY = 86_400_000;
export const EKU_CERTIFICATE_REQUEST_AGENT = '1.3.6.1.4.1.311.20.2.1';

/** BMPString extension value, as AD CS writes the v1 template name (1.3.6.1.4.1.311.20.2). */
function templateName(name: string): x509.Extension {
  const utf16 = Buffer.alloc(name.length * 2);
  for (let i = 0; i < name.length; i += 1) utf16.writeUInt16BE(name.charCodeAt(i), i * 2);
  return new x509.Extension(
    '1.3.6.1.4.1.311.20.2',
    false,
    new Uint8Array(Buffer.concat([Buffer.from([0x1e, utf16.length]), utf16])),
  );
}

export interface NdesPki {
  ca: x509.X509Certificate;
  raSigning: x509.X509Certificate;
  raEncryption: x509.X509Certificate;
  /** GetCACert body: degenerate PKCS#7 certs-only SignedData, RA certificates first. */
  bundle: Buffer;
  caPem: string;
}

/**
 * A CA and the two NDES RA certificates with the real extensions: Certificate Request Agent
 * EKU on both, digitalSignature on the signing one (EnrollmentAgentOffline), keyEncipherment
 * on the encryption one (CEPEncryption), AD CS style subjects.
 */
export async function createNdesPki(options: {
  raValidDays: number;
  raNotAfterOffsetDays?: number;
  now?: Date;
  host?: string;
}): Promise<NdesPki> {
  const now = options.now ?? new Date();
  const host = (options.host ?? 'NDES01').toUpperCase();
  const [caKeys, signKeys, encKeys] = await Promise.all(
    [0, 1, 2].map(() => webcrypto.subtle.generateKey(RSA, false, ['sign', 'verify']) as Promise<CryptoKeyPair>),
  );
  if (!caKeys || !signKeys || !encKeys) throw new Error('key generation failed');
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '1a2b3c4d5e6f',
    name: 'CN=Contoso Lab Issuing CA, DC=contoso, DC=local',
    notBefore: new Date(now.getTime() - 30 * DAY),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    keys: caKeys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const raNotAfter = new Date(now.getTime() + (options.raNotAfterOffsetDays ?? options.raValidDays) * DAY);
  const ra = (serialNumber: string, keys: CryptoKeyPair, usage: x509.KeyUsageFlags, template: string) =>
    x509.X509CertificateGenerator.create({
      serialNumber,
      subject: `C=US, CN=${host}-MSCEP-RA`,
      issuer: ca.subject,
      notBefore: new Date(Math.min(now.getTime() - DAY, raNotAfter.getTime() - 2 * DAY)),
      notAfter: raNotAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: RSA,
      extensions: [
        templateName(template),
        new x509.KeyUsagesExtension(usage, true),
        new x509.ExtendedKeyUsageExtension([EKU_CERTIFICATE_REQUEST_AGENT]),
      ],
    });
  const [raSigning, raEncryption] = await Promise.all([
    ra(
      '470000000002f5400d7585dd87880000000002',
      signKeys,
      x509.KeyUsageFlags.digitalSignature,
      'EnrollmentAgentOffline',
    ),
    ra('470000000003a1b20c6674cc76770000000003', encKeys, x509.KeyUsageFlags.keyEncipherment, 'CEPEncryption'),
  ]);
  const bundle = Buffer.from(new x509.X509Certificates([raSigning, raEncryption, ca]).export('raw'));
  return { ca, raSigning, raEncryption, bundle, caPem: ca.toString('pem') };
}
