import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/contract/model.ts';
import { runChecks } from '../../electron/core/checks/check.ts';
import { reachabilityChecks } from '../../electron/core/checks/scep/reachability.ts';
import type { CaCertBundle } from '../../electron/core/checks/scep/cacert.ts';
import { createHttpProbe } from '../../electron/platform/http-probe.ts';
import { startFakeAppProxy, type FakeAppProxy } from '../lab/appproxy/front.ts';
import { startFakeNdes, type FakeNdes } from '../lab/ndes/server.ts';
import { createLabCa } from '../lab/tls.ts';
import { labNames } from '../lab/edges.ts';

let ndes: FakeNdes;
let front: FakeAppProxy;
let probe: ReturnType<typeof createHttpProbe>;
let caPem = '';
const INTERNAL = 'http://ndes01.contoso.local/';

beforeAll(async () => {
  ndes = await startFakeNdes();
  const ca = await createLabCa('CN=Lab Public Services Root, O=NDES Proxy Companion lab');
  caPem = ca.certPem;
  front = await startFakeAppProxy({ ca, backend: ndes.url });
  probe = createHttpProbe({
    trustAnchors: [ca.certPem],
    names: labNames(
      { 'ndes01.contoso.local': `127.0.0.1:${ndes.port}`, [front.hostname]: `127.0.0.1:${front.port}` },
      false,
    ),
  });
});
afterAll(async () => {
  await front?.close();
  await ndes?.close();
});

async function check(
  role: 'internal' | 'external',
  longUrlKb = 20,
): Promise<{ results: Record<string, CheckResult>; bundles: CaCertBundle[] }> {
  const bundles: CaCertBundle[] = [];
  const specs = reachabilityChecks({
    baseUrl: role === 'internal' ? INTERNAL : front.externalUrl,
    role,
    probe,
    longUrlKb,
    onCaBundle: (bundle) => bundle && bundles.push(bundle),
  });
  const list = await runChecks(specs, { timeoutMs: 5_000 });
  return { results: Object.fromEntries(list.map((result) => [result.id.split('.')[1] ?? result.id, result])), bundles };
}

describe('SCEP/IIS reachability against the fake NDES', () => {
  it('healthy: every internal check passes and lists the CA and both RA certificates', async () => {
    await ndes.use('healthy');
    const { results, bundles } = await check('internal');
    for (const name of ['iis-root', 'mscep', 'getcacaps', 'getcacert', 'long-url'])
      expect(results[name]?.status, name).toBe('pass');
    expect(results['getcacaps']?.evidence.join(' ')).toContain(
      'POSTPKIOperation, Renewal, SHA-512, SHA-256, SHA-1, DES3',
    );
    expect(bundles[0]?.certificates.map((cert) => cert.role)).toEqual(['ra-signing', 'ra-encryption', 'ca']);
    expect(bundles[0]?.certificates[0]?.template).toBe('EnrollmentAgentOffline');
  });

  it('connector missing: mscep.dll shows the NDES page and the check names the Intune connector', async () => {
    await ndes.use('connector-missing');
    const { results } = await check('internal');
    expect(results['mscep']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(results['mscep']?.cause).toContain('Intune Certificate Connector');
  });

  it('RA certificates expiring in 12 days: a warning with the days left', async () => {
    await ndes.use('ra-expiring');
    const { results } = await check('internal');
    expect(results['getcacert']).toMatchObject({ status: 'warn', severity: 'warning' });
    expect(results['getcacert']?.cause).toMatch(/expire\(s\) in 1[12] days/);
  });

  it('RA certificates expired: a critical failure, and mscep.dll answers 500', async () => {
    await ndes.use('ra-expired');
    const { results } = await check('internal');
    expect(results['mscep']?.cause).toContain('HTTP 500');
    expect(results['getcacert']?.status).toBe('fail');
  });

  it('app pool stopped: 503 mapped to the SCEP application pool', async () => {
    await ndes.use('app-pool-stopped');
    const { results } = await check('internal');
    expect(results['mscep']?.cause).toContain('SCEP application pool');
    expect(results['iis-root']?.status).toBe('pass');
  });

  it.each([
    ['limits-too-low', 20, /404\.15|HTTP\.sys/],
    ['limits-too-low', 4, /404\.15/],
    ['httpsys-too-low', 20, /HTTP 414 from HTTP\.sys/],
  ])('%s with a %i KB probe: the long URL fails with the setting to change', async (behaviour, kb, cause) => {
    await ndes.use(behaviour);
    const { results } = await check('internal', kb);
    expect(results['long-url']?.status).toBe('fail');
    expect(results['long-url']?.cause).toMatch(cause);
    expect(results['long-url']?.remediation).toMatch(/65534/);
  });

  it('a 1 KB probe passes even with default limits (the size is what matters)', async () => {
    await ndes.use('limits-too-low');
    const { results } = await check('internal', 1);
    expect(results['long-url']?.status).toBe('pass');
  });

  it('welcome page removed: said, not failed', async () => {
    await ndes.use('welcome-removed');
    const { results } = await check('internal');
    expect(results['iis-root']).toMatchObject({ status: 'warn', severity: 'info' });
    expect(results['mscep']?.status).toBe('pass');
  });

  it('GetCACaps without a Content-Type still parses', async () => {
    await ndes.use('caps-no-content-type');
    const { results } = await check('internal');
    expect(results['getcacaps']?.status).toBe('pass');
    expect(results['getcacaps']?.evidence[0]).toContain('Content-Type: (none)');
  });

  it('no health check sends an enrolment: only GetCACaps, GetCACert and the junk long-URL probe', async () => {
    await ndes.use('healthy');
    ndes.requests.length = 0;
    await check('internal');
    const operations = new Set(ndes.requests.map((request) => request.operation));
    expect([...operations].sort()).toEqual(['GetCACaps', 'GetCACert', 'PKIOperation', null].sort());
    expect(
      ndes.requests
        .filter((request) => request.operation === 'PKIOperation')
        .every((request) => request.method === 'GET'),
    ).toBe(true);
  });
});

describe('through the fake App Proxy front', () => {
  it('healthy: same checks pass through the external URL, TLS valid, mscep_admin flagged', async () => {
    await ndes.use('healthy');
    front.use('healthy');
    const { results } = await check('external');
    for (const name of ['iis-root', 'mscep', 'getcacaps', 'getcacert', 'long-url', 'tls'])
      expect(results[name]?.status, name).toBe('pass');
    expect(results['mscep-admin']).toMatchObject({ status: 'warn', severity: 'warning' });
  });

  it.each([
    ['connector-down', /no active connector/i],
    ['backend-unreachable', /cannot reach NDES/],
    ['preauth', /pre-authentication is Microsoft Entra ID, not Passthrough/],
  ] as const)("%s: recognised as application proxy's own failure", async (behaviour, cause) => {
    front.use(behaviour);
    const { results } = await check('external');
    expect(results['mscep']?.status).toBe('fail');
    expect(results['mscep']?.cause).toMatch(cause);
    expect(results['getcacert']?.cause).toMatch(cause);
    front.use('healthy');
  });

  it('an untrusted chain on the external URL (TLS inspection) fails the TLS check', async () => {
    const untrusting = createHttpProbe({ names: labNames({ [front.hostname]: `127.0.0.1:${front.port}` }, false) });
    const specs = reachabilityChecks({ baseUrl: front.externalUrl, role: 'external', probe: untrusting, longUrlKb: 1 });
    const results = await runChecks(
      specs.filter((spec) => spec.id === 'external.tls'),
      { timeoutMs: 5_000 },
    );
    expect(results[0]?.status).toBe('fail');
    expect(results[0]?.remediation).toContain('TLS inspection');
  });

  it('a certificate that does not cover the host name fails the TLS check and says so', async () => {
    const mismatched = createHttpProbe({
      trustAnchors: [caPem],
      names: labNames({ 'ndes.contoso.com': `127.0.0.1:${front.port}` }, false),
    });
    const specs = reachabilityChecks({
      baseUrl: 'https://ndes.contoso.com/',
      role: 'external',
      probe: mismatched,
      longUrlKb: 1,
    });
    const results = await runChecks(
      specs.filter((spec) => spec.id === 'external.tls'),
      { timeoutMs: 5_000 },
    );
    expect(results[0]?.status).toBe('fail');
    expect(results[0]?.cause).toContain('does not cover ndes.contoso.com');
  });
});
