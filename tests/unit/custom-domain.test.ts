import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProbeFailure } from '../../electron/core/checks/probe-errors.ts';
import { type NetProbe } from '../../electron/core/ports.ts';
import {
  checkCname,
  customHostProblem,
  inspectPfx,
  nameCovers,
  verifiedDomainOf,
} from '../../electron/core/steps/publish/custom-domain.ts';
import { publishPlan, publishRequestOf } from '../../electron/core/steps/publish/publish.ts';

/**
 * The custom domain's PFX judged on real PKCS#12 files made by OpenSSL
 * (tests/fixtures/custom-domain/make-fixtures.sh), at a fixed clock.
 */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'custom-domain');
const PASSWORD = 'NdesPfx2026';
const NOW = new Date('2026-12-01T12:00:00Z');
const HOST = 'ndes.contoso.com';
const pfx = (name: string) => readFileSync(join(FIXTURES, `${name}.pfx`));
const messages = (name: string, host = HOST, password = PASSWORD, now = NOW) =>
  inspectPfx(pfx(name), password, host, now)
    .errors.map((problem) => problem.message)
    .join(' | ');

describe('the custom domain PFX, judged before any cloud call', () => {
  it('a good PFX (OpenSSL 3 default: AES-256, SHA-256 MAC) opens, holds the key, names the host, carries its chain', () => {
    const inspection = inspectPfx(pfx('good'), PASSWORD, HOST, NOW);
    expect(inspection.errors).toEqual([]);
    expect(inspection.warnings).toEqual([]);
    expect(inspection.facts).toMatchObject({
      subject: 'CN=ndes.contoso.com',
      thumbprint: 'CC8016A5EF0C471F43D3E4089CAE68E30DDB57FB',
      notAfter: '2046-01-01T00:00:00.000Z',
      dnsNames: ['ndes.contoso.com'],
      chain: [
        'O=NDES Proxy Companion lab, CN=Lab Custom Domain Issuing CA',
        'O=NDES Proxy Companion lab, CN=Lab Custom Domain Root',
      ],
    });
  });

  it("Windows' older format (3DES, SHA-1 MAC) and an ECDSA key are read too", () => {
    expect(inspectPfx(pfx('good-3des'), PASSWORD, HOST, NOW)).toMatchObject({
      errors: [],
      facts: { thumbprint: 'CC8016A5EF0C471F43D3E4089CAE68E30DDB57FB' },
    });
    expect(inspectPfx(pfx('ec'), PASSWORD, HOST, NOW)).toMatchObject({
      errors: [],
      facts: { thumbprint: '7F22A7B0A6B557A94A69EFFC11DEB79A4A88163F' },
    });
  });

  it('a wrong password is said as such', () => {
    expect(messages('good', HOST, 'WrongPassword1')).toBe('The PFX could not be opened with this password.');
  });

  it('a password Application Proxy would refuse (not only 0-9A-Za-z) is refused before the file is opened', () => {
    const inspection = inspectPfx(pfx('good'), 'Ndes-Pfx 2026!', HOST, NOW);
    expect(inspection.facts).toBeNull();
    expect(inspection.errors[0]?.message).toMatch(/only letters and digits/);
  });

  it('a PFX without the private key is refused', () => {
    expect(messages('no-key')).toMatch(/^The PFX holds no private key/);
  });

  it('a certificate for another name is refused, naming what it covers', () => {
    expect(messages('fabrikam')).toBe(
      'The certificate does not name ndes.contoso.com: its DNS names are ndes.fabrikam.com.',
    );
    expect(messages('fabrikam', 'ndes.fabrikam.com')).toBe('');
  });

  it('an expired certificate is refused; one not valid yet too; one expiring within 30 days is a warning', () => {
    expect(messages('expired')).toBe('The certificate expired on 2025-01-01T00:00:00.000Z.');
    expect(messages('good', HOST, PASSWORD, new Date('2025-06-01T00:00:00Z'))).toBe(
      'The certificate is not valid yet: it starts on 2026-01-01T00:00:00.000Z.',
    );
    const soon = inspectPfx(pfx('good'), PASSWORD, HOST, new Date('2045-12-20T00:00:00Z'));
    expect(soon.errors).toEqual([]);
    expect(soon.warnings).toEqual([
      'The certificate expires in 12 day(s), on 2046-01-01T00:00:00.000Z: renew it and upload the new PFX before then (this step, run again).',
    ]);
  });

  it('the leaf without its chain is refused with the way to export it whole', () => {
    const inspection = inspectPfx(pfx('leaf-only'), PASSWORD, HOST, NOW);
    expect(inspection.errors).toHaveLength(1);
    expect(inspection.errors[0]?.message).toMatch(
      /^The PFX holds only the certificate for the external name \(issuer O=NDES Proxy Companion lab, CN=Lab Custom Domain Issuing CA\)/,
    );
    expect(inspection.errors[0]?.remedy).toContain('-ChainOption BuildChain');
  });

  it('a wildcard covers exactly one label', () => {
    expect(messages('wildcard')).toBe('');
    expect(messages('wildcard', 'scep.ndes.contoso.com')).toMatch(/does not name scep\.ndes\.contoso\.com/);
    expect(messages('wildcard', 'contoso.com')).toMatch(/does not name contoso\.com/);
    expect(nameCovers('*.contoso.com', 'NDES.Contoso.com')).toBe(true);
    expect(nameCovers('*.contoso.com', 'a.b.contoso.com')).toBe(false);
  });

  it('a file that is not a PFX is said to be one', () => {
    expect(
      inspectPfx(Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'), PASSWORD, HOST, NOW)
        .errors[0]?.message,
    ).toBe('The file is not a PFX (PKCS#12) file the companion can read.');
  });
});

describe('the custom domain name', () => {
  it('must be a host under a domain of yours, not Microsoft’s', () => {
    expect(customHostProblem('ndes.contoso.com', 'msappproxy.net')).toBeNull();
    expect(customHostProblem('contoso', 'msappproxy.net')).toMatch(/not a host name/);
    expect(customHostProblem('ndes-contoso.msappproxy.net', 'msappproxy.net')).toMatch(/Microsoft's domains/);
    expect(customHostProblem('ndes.contoso.onmicrosoft.com', 'msappproxy.net')).toMatch(/Microsoft's domains/);
    expect(customHostProblem('10.0.0.5', 'msappproxy.net')).toMatch(/not a host name/);
  });

  it('sits under a verified domain, never the initial one', () => {
    const domains = [
      { name: 'contoso.onmicrosoft.com', isInitial: true },
      { name: 'contoso.com', isInitial: false },
    ];
    expect(verifiedDomainOf('ndes.contoso.com', domains)).toBe('contoso.com');
    expect(verifiedDomainOf('ndes.fabrikam.com', domains)).toBeNull();
    expect(verifiedDomainOf('contoso.com', domains)).toBeNull();
    expect(verifiedDomainOf('ndes.contoso.onmicrosoft.com', domains)).toBeNull();
  });

  it('the plan shows the local certificate check, the upload (password never shown) and the CNAME check; a PFX needs a name and a full path', () => {
    const inputs = {
      appName: 'NDES',
      internalUrl: 'http://ndes01.contoso.local/',
      customDomain: 'ndes.contoso.com',
      pfxPath: '/certs/ndes.pfx',
    };
    const plan = publishPlan(inputs);
    expect(plan[0]?.title).toBe('Check the certificate for ndes.contoso.com on this server, before any cloud call');
    expect(plan.map((action) => action.detail).join('\n')).toContain(
      '"verifiedCustomDomainKeyCredential":{"type":"X509CertAndPassword","value":"<the PFX, base64>"},"verifiedCustomDomainPasswordCredential":{"value":"<its password, never shown>"}',
    );
    expect(plan.at(-1)?.title).toBe("Check that ndes.contoso.com is a CNAME to the app's msappproxy.net name");
    expect(() => publishRequestOf({ ...inputs, pfxPath: '' })).toThrow(/needs its certificate as a PFX/);
    expect(() => publishRequestOf({ ...inputs, pfxPath: 'ndes.pfx' })).toThrow(/full path/);
    expect(() => publishRequestOf({ ...inputs, customDomain: '' })).toThrow(/no custom domain name/);
    expect(publishRequestOf({ ...inputs, pfxPath: 'C:\\Certs\\ndes.pfx' }).customDomain).toEqual({
      host: 'ndes.contoso.com',
      pfxPath: 'C:\\Certs\\ndes.pfx',
    });
  });
});

describe('the CNAME check, through the resolver port', () => {
  const resolver = (answer: string[] | ProbeFailure): NetProbe => ({
    resolve: () => Promise.reject(new Error('not used')),
    resolveCname: () => (answer instanceof ProbeFailure ? Promise.reject(answer) : Promise.resolve(answer)),
    tls: () => Promise.reject(new Error('not used')),
    httpGet: () => Promise.reject(new Error('not used')),
  });
  const options = { timeoutMs: 1_000 };

  it('passes when the name points at the msappproxy.net name (case and trailing dot aside)', async () => {
    expect(
      await checkCname(resolver(['NDES-Contoso.msappproxy.net.']), HOST, 'ndes-contoso.msappproxy.net', options),
    ).toMatchObject({
      ok: true,
      message: 'DNS: ndes.contoso.com is a CNAME to ndes-contoso.msappproxy.net, as Application Proxy needs.',
    });
  });

  it('names the exact record to create when there is none', async () => {
    const verdict = await checkCname(
      resolver(new ProbeFailure('dns', 'no CNAME', 'ENODATA')),
      HOST,
      'ndes-contoso.msappproxy.net',
      options,
    );
    expect(verdict).toMatchObject({
      ok: false,
      found: null,
      record: 'ndes.contoso.com CNAME ndes-contoso.msappproxy.net',
    });
    expect(verdict.message).toContain('create "ndes.contoso.com CNAME ndes-contoso.msappproxy.net"');
  });

  it('says where a wrong record points, and what it must be', async () => {
    const verdict = await checkCname(
      resolver(['intranet-contoso.msappproxy.net']),
      HOST,
      'ndes-contoso.msappproxy.net',
      options,
    );
    expect(verdict).toMatchObject({ ok: false, found: 'intranet-contoso.msappproxy.net' });
    expect(verdict.message).toBe(
      'In the DNS this server asks, ndes.contoso.com is a CNAME to intranet-contoso.msappproxy.net, not to ndes-contoso.msappproxy.net: change the record to "ndes.contoso.com CNAME ndes-contoso.msappproxy.net" (with split-horizon DNS, in the public zone; devices on the internet see that one).',
    );
  });
});
