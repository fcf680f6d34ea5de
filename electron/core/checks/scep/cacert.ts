import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as Crypto);

/** Certificate Request Agent, the EKU of both NDES RA certificates. */
export const EKU_CERTIFICATE_REQUEST_AGENT = '1.3.6.1.4.1.311.20.2.1';
/** Microsoft certificate template name extension (v1 templates). */
const MS_TEMPLATE_NAME = '1.3.6.1.4.1.311.20.2';

export type CertRole = 'ca' | 'ra-signing' | 'ra-encryption' | 'ra' | 'other';

export interface CertSummary {
  role: CertRole;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  daysToExpiry: number;
  keyUsage: string[];
  extendedKeyUsage: string[];
  isCa: boolean;
  template?: string;
  sha256: string;
  sha1: string;
}

export type CaCertShape = 'single' | 'pkcs7';

export interface CaCertBundle {
  shape: CaCertShape;
  /** Content-Type as sent, or null; NDES and older servers are inconsistent, so we sniff. */
  contentType: string | null;
  certificates: CertSummary[];
}

const SIGNED_DATA_PREFIX = Buffer.from('06092a864886f70d010702', 'hex');

/** Sniffs DER: a certificate is SEQUENCE{SEQUENCE…}; CMS SignedData carries its OID up front. */
export function sniffShape(body: Buffer): CaCertShape | null {
  if (body.length < 16 || body[0] !== 0x30) return null;
  const lengthBytes = (body[1] ?? 0) & 0x80 ? (body[1] ?? 0) & 0x7f : 0;
  const start = 2 + lengthBytes;
  if (body.subarray(start, start + SIGNED_DATA_PREFIX.length).equals(SIGNED_DATA_PREFIX)) return 'pkcs7';
  if (body[start] === 0x30) return 'single';
  return null;
}

function pemOrDer(body: Buffer): Buffer {
  const text = body.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return body;
  const pem = body.toString('latin1');
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(base64, 'base64');
}

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

function templateName(cert: x509.X509Certificate): string | undefined {
  const extension = cert.extensions.find((candidate) => candidate.type === MS_TEMPLATE_NAME);
  if (!extension) return undefined;
  // BMPString (0x1e): UTF-16BE after tag and length.
  const value = Buffer.from(extension.value);
  if (value[0] !== 0x1e) return undefined;
  const length = value[1] ?? 0;
  const bytes = value.subarray(2, 2 + length);
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2)
    out += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return out;
}

export async function summarize(cert: x509.X509Certificate, now: Date): Promise<CertSummary> {
  const keyUsageExt = cert.getExtension(x509.KeyUsagesExtension);
  const keyUsage = keyUsageExt
    ? KEY_USAGE_NAMES.filter(([flag]) => (keyUsageExt.usages & flag) !== 0).map(([, name]) => name)
    : [];
  const ekuExt = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const extendedKeyUsage = ekuExt ? ekuExt.usages.map(String) : [];
  const isCa = cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false;
  let role: CertRole = 'other';
  if (isCa || keyUsage.includes('keyCertSign')) role = 'ca';
  else if (extendedKeyUsage.includes(EKU_CERTIFICATE_REQUEST_AGENT)) {
    const signs = keyUsage.includes('digitalSignature');
    const encrypts = keyUsage.includes('keyEncipherment');
    role = signs && !encrypts ? 'ra-signing' : encrypts && !signs ? 'ra-encryption' : 'ra';
  }
  const [sha256, sha1] = await Promise.all([cert.getThumbprint('SHA-256'), cert.getThumbprint('SHA-1')]);
  const summary: CertSummary = {
    role,
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysToExpiry: Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000),
    keyUsage,
    extendedKeyUsage,
    isCa,
    sha256: Buffer.from(sha256).toString('hex').toUpperCase(),
    sha1: Buffer.from(sha1).toString('hex').toUpperCase(),
  };
  const template = templateName(cert);
  if (template) summary.template = template;
  return summary;
}

/**
 * Parses a GetCACert answer: one DER certificate, or a degenerate PKCS#7 certs-only bundle
 * (NDES: CA plus two RA certificates). The body decides, not the header.
 */
export async function parseCaCert(body: Buffer, contentType: string | null, now: Date): Promise<CaCertBundle> {
  const der = pemOrDer(body);
  const shape = sniffShape(der);
  if (!shape) throw new Error('The answer is neither a DER certificate nor a PKCS#7 certificate bundle.');
  const bytes = new Uint8Array(der);
  const certs = shape === 'pkcs7' ? [...new x509.X509Certificates(bytes)] : [new x509.X509Certificate(bytes)];
  if (certs.length === 0) throw new Error('The PKCS#7 bundle holds no certificates.');
  return { shape, contentType, certificates: await Promise.all(certs.map((cert) => summarize(cert, now))) };
}
