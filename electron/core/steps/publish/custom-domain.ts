import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { ProbeFailure } from '../../checks/probe-errors.ts';
import { type NetProbe } from '../../ports.ts';

/**
 * Publishing NDES on a verified custom domain of the tenant (reference docs/reference/domain.md §6): the PFX
 * the admin gives is judged here, on this machine, before any cloud call, and after publishing
 * the external name's CNAME is read through the resolver port.
 *
 * Microsoft's requirements (learn.microsoft.com/entra/identity/app-proxy/how-to-configure-custom-domain,
 * "Certificates for custom domains"): a PFX "to ensure all required intermediate certificates are
 * included", with the private key; SAN names and wildcards "as long as the wildcard matches the
 * external URL". The upload password may contain only 0-9A-Za-z (docs/reference/domain.md §6, [S9]).
 */

export const PFX_PASSWORD_RULE = /^[0-9A-Za-z]+$/;
/** A PFX with a key and a few certificates is a few kilobytes; anything this large is not one. */
export const PFX_MAX_BYTES = 256 * 1024;
const EXPIRY_WARNING_DAYS = 30;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** PKCS#12 bag types (RFC 7292 §4.2). */
const BAG = {
  key: '1.2.840.113549.1.12.10.1.1',
  shroudedKey: '1.2.840.113549.1.12.10.1.2',
  certificate: '1.2.840.113549.1.12.10.1.3',
};

export interface PfxFacts {
  subject: string;
  issuer: string;
  /** SHA-1 of the leaf, upper-case hex without separators, as Windows and Graph show it. */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  /** Subjects of the other certificates inside, in the order of the chain from the leaf. */
  chain: string[];
}

export interface PfxProblem {
  message: string;
  remedy: string;
}

export interface PfxInspection {
  /** Null when the file could not be opened at all. */
  facts: PfxFacts | null;
  /** Any error refuses the upload. */
  errors: PfxProblem[];
  warnings: string[];
}

const REEXPORT =
  'Export it again with its private key and every certificate of its chain: on Windows, Export-PfxCertificate -Cert Cert:\\LocalMachine\\My\\<thumbprint> -FilePath ndes.pfx -Password (Read-Host -AsSecureString) -ChainOption BuildChain; with OpenSSL, openssl pkcs12 -export -inkey key.pem -in cert.pem -certfile chain.pem -out ndes.pfx.';

/** The names a certificate's SAN extension lists as dNSName, lower-case. */
function dnsNamesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).trim().toLowerCase().replace(/\.$/, ''));
}

/** An exact dNSName, or a wildcard standing for exactly one left-most label (RFC 6125 §6.4.3). */
export function nameCovers(name: string, host: string): boolean {
  const wanted = host.toLowerCase().replace(/\.$/, '');
  if (!name.startsWith('*.')) return name === wanted;
  const dot = wanted.indexOf('.');
  return dot > 0 && wanted.slice(dot + 1) === name.slice(2);
}

function derOf(object: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(object).getBytes(), 'binary');
}

const thumbprintOf = (certificate: X509Certificate) => certificate.fingerprint.replace(/:/g, '').toUpperCase();
const spkiOf = (certificate: X509Certificate) => certificate.publicKey.export({ type: 'spki', format: 'der' });

/**
 * Opens the PFX with the password and judges it for `host`, at `now`: it must open, hold a
 * private key whose certificate names the host, be valid now, and carry the chain to its issuer.
 */
export function inspectPfx(bytes: Uint8Array, password: string, host: string, now: Date): PfxInspection {
  const errors: PfxProblem[] = [];
  const warnings: string[] = [];
  if (!PFX_PASSWORD_RULE.test(password)) {
    errors.push({
      message:
        'The PFX password may contain only letters and digits (0-9, A-Z, a-z): Application Proxy refuses any other character on upload.',
      remedy: `${REEXPORT.replace('Export it again', 'Export the certificate again with a password of letters and digits only')}`,
    });
    return { facts: null, errors, warnings };
  }
  if (bytes.length === 0 || bytes.length > PFX_MAX_BYTES) {
    errors.push({
      message: `The file is ${bytes.length === 0 ? 'empty' : `${Math.round(bytes.length / 1024)} KB, too large for a PFX`}.`,
      remedy: 'Pick the .pfx (PKCS#12) file of the certificate for the external name.',
    });
    return { facts: null, errors, warnings };
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(Buffer.from(bytes).toString('binary')), false, password);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const wrongPassword = /MAC could not be verified|password/i.test(text);
    errors.push(
      wrongPassword
        ? {
            message: 'The PFX could not be opened with this password.',
            remedy: 'Type the password the PFX was exported with (letters and digits only).',
          }
        : {
            message: 'The file is not a PFX (PKCS#12) file the companion can read.',
            remedy: 'Pick the .pfx file itself, not a .cer, .crt or PEM file. ' + REEXPORT,
          },
    );
    return { facts: null, errors, warnings };
  }

  const bagsOf = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bagsOf(BAG.shroudedKey), ...bagsOf(BAG.key)];
  // forge parses RSA only; for other keys and certificates (EC) it keeps the ASN.1, which Node reads.
  const keys = keyBags.flatMap((bag) => {
    try {
      const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
      return info
        ? [
            createPublicKey(createPrivateKey({ key: derOf(info), format: 'der', type: 'pkcs8' })).export({
              type: 'spki',
              format: 'der',
            }),
          ]
        : [];
    } catch {
      return [];
    }
  });
  const certificates = bagsOf(BAG.certificate).flatMap((bag) => {
    try {
      const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
      return asn1 ? [new X509Certificate(derOf(asn1))] : [];
    } catch {
      return [];
    }
  });
  if (certificates.length === 0) {
    errors.push({ message: 'The PFX holds no certificate.', remedy: REEXPORT });
    return { facts: null, errors, warnings };
  }
  const leaf =
    certificates.find((certificate) => keys.some((key) => key.equals(spkiOf(certificate)))) ??
    certificates.find((certificate) => !certificate.ca) ??
    certificates[0];
  if (!leaf) return { facts: null, errors, warnings };
  if (keyBags.length === 0)
    errors.push({
      message: 'The PFX holds no private key: Application Proxy cannot serve TLS for the name without it.',
      remedy: REEXPORT,
    });
  else if (!keys.some((key) => key.equals(spkiOf(leaf))))
    errors.push({
      message: 'The private key inside does not belong to the certificate for the external name.',
      remedy: REEXPORT,
    });

  // The chain from the leaf, as far as the certificates inside go.
  const chain: X509Certificate[] = [];
  let current = leaf;
  while (!(current.checkIssued(current) && current.verify(current.publicKey)) && chain.length < 10) {
    const issuer = certificates.find(
      (candidate) =>
        candidate !== current &&
        !chain.includes(candidate) &&
        current.checkIssued(candidate) &&
        current.verify(candidate.publicKey),
    );
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  const selfSigned = leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey);
  if (selfSigned) {
    warnings.push(
      `The certificate is self-signed (${leaf.subject.replace(/\n/g, ', ')}): devices enrolling through the external name will not trust it unless it is deployed to them.`,
    );
  } else if (chain.length === 0) {
    const others = certificates.length - 1;
    errors.push({
      message: `The PFX holds ${others === 0 ? 'only the certificate for the external name' : `${others} other certificate(s), but not the one that issued the certificate for the external name`} (issuer ${leaf.issuer.replace(/\n/g, ', ')}): Application Proxy would serve an incomplete chain, and devices could not build it.`,
      remedy: REEXPORT,
    });
  }

  const dnsNames = dnsNamesOf(leaf);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  if (!dnsNames.some((name) => nameCovers(name, host))) {
    errors.push({
      message: `The certificate does not name ${host}: its DNS names are ${dnsNames.length ? dnsNames.join(', ') : `none (subject CN ${cn ?? '?'}, which TLS clients no longer read)`}.`,
      remedy: `Use a certificate whose Subject Alternative Name lists ${host} or *.${host.split('.').slice(1).join('.')} (a wildcard covers one label only).`,
    });
  }

  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notBefore.getTime() > now.getTime())
    errors.push({
      message: `The certificate is not valid yet: it starts on ${notBefore.toISOString()}.`,
      remedy: "Wait until then, or check this server's clock.",
    });
  else if (notAfter.getTime() <= now.getTime())
    errors.push({
      message: `The certificate expired on ${notAfter.toISOString()}.`,
      remedy: 'Renew it with your certificate authority and export the new one as a PFX.',
    });
  else {
    const days = Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
    if (days < EXPIRY_WARNING_DAYS)
      warnings.push(
        `The certificate expires in ${days} day(s), on ${notAfter.toISOString()}: renew it and upload the new PFX before then (this step, run again).`,
      );
  }
  for (const issuer of chain) {
    if (new Date(issuer.validTo).getTime() <= now.getTime())
      errors.push({
        message: `A certificate of the chain expired on ${new Date(issuer.validTo).toISOString()} (${issuer.subject.replace(/\n/g, ', ')}).`,
        remedy: 'Export the PFX again with the current chain of your certificate authority.',
      });
  }
  const usages = leaf.keyUsage;
  if (Array.isArray(usages) && usages.length > 0 && !usages.includes(SERVER_AUTH)) {
    errors.push({
      message: 'The certificate is not for TLS servers: its extended key usage lacks Server Authentication.',
      remedy: 'Request a certificate from a web server template (Server Authentication).',
    });
  }

  return {
    facts: {
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      thumbprint: thumbprintOf(leaf),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      dnsNames,
      chain: chain.map((certificate) => certificate.subject.replace(/\n/g, ', ')),
    },
    errors,
    warnings,
  };
}

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The external host typed for a custom domain: a DNS name, no port, no scheme, not Microsoft's. */
export function customHostProblem(host: string, appProxySuffix: string | null): string | null {
  const labels = host.split('.');
  if (
    host.length > 253 ||
    labels.length < 3 ||
    !labels.every((label) => HOST_LABEL.test(label)) ||
    /^\d+$/.test(labels.at(-1) ?? '')
  ) {
    return `"${host.slice(0, 80)}" is not a host name under your domain, such as ndes.contoso.com.`;
  }
  if (
    (appProxySuffix && (host === appProxySuffix || host.endsWith(`.${appProxySuffix}`))) ||
    host.endsWith('.onmicrosoft.com')
  ) {
    return `${host} is one of Microsoft's domains, not a custom domain of yours (leave the custom domain empty to publish on ${appProxySuffix ?? 'the default domain'}).`;
  }
  return null;
}

/** The verified domain of the tenant that `host` sits under (never the initial onmicrosoft one), or null. */
export function verifiedDomainOf(host: string, domains: { name: string; isInitial?: boolean }[]): string | null {
  const matches = domains
    .filter((domain) => !domain.isInitial && host.endsWith(`.${domain.name.toLowerCase()}`))
    .map((domain) => domain.name.toLowerCase());
  return matches.sort((a, b) => b.length - a.length)[0] ?? null;
}

export interface CnameVerdict {
  ok: boolean;
  /** One line for the summary: what DNS answered, and what to create when it is wrong. */
  message: string;
  /** The record to create, as a zone file writes it. */
  record: string;
  found: string | null;
}

/**
 * The external name must be a CNAME to the msappproxy.net name Graph reported for the app
 * (how-to-configure-custom-domain: "Ensure that you are properly using a CNAME record that points
 * to the msappproxy.net domain. Do not point records to IP addresses"). A lookup through the
 * resolver port; a missing or wrong record is said with the exact record to create.
 */
export async function checkCname(
  net: NetProbe,
  host: string,
  target: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<CnameVerdict> {
  const record = `${host} CNAME ${target}`;
  const clean = (name: string) => name.toLowerCase().replace(/\.$/, '');
  let answers: string[];
  try {
    answers = await net.resolveCname(host, options);
  } catch (error) {
    if (error instanceof ProbeFailure && error.kind === 'dns') {
      return {
        ok: false,
        found: null,
        record,
        message: `${host} has no CNAME record in the DNS this server asks: create "${record}" in the public DNS zone of your domain (a CNAME, never an A record to an IP address). If your internal DNS holds its own copy of the zone (split-horizon), check the public record from outside too: devices on the internet see that one.`,
      };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      found: null,
      record,
      message: `The CNAME of ${host} could not be looked up (${reason}); it must be "${record}".`,
    };
  }
  const found = answers[0] ? clean(answers[0]) : null;
  if (found === clean(target))
    return { ok: true, found, record, message: `DNS: ${host} is a CNAME to ${target}, as Application Proxy needs.` };
  return {
    ok: false,
    found,
    record,
    message: `In the DNS this server asks, ${host} is a CNAME to ${found ?? 'nothing'}, not to ${target}: change the record to "${record}" (with split-horizon DNS, in the public zone; devices on the internet see that one).`,
  };
}
