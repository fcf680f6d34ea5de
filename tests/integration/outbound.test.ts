import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/contract/model.ts';
import { runChecks } from '../../electron/core/checks/check.ts';
import { outboundChecks } from '../../electron/core/checks/outbound/outbound-checks.ts';
import { createNetProbe } from '../../electron/platform/net-probe.ts';
import { LAB_TENANT_ID, startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot } from '../helpers/companion.ts';
import { closedWorld, labNames } from '../lab/edges.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-outbound-'));
let lab: LabWorld;
beforeAll(async () => {
  lab = await startLabWorld({ root: repoRoot, dir });
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the outbound checks in a scenario. The per-probe timeout only ends probes that get no
 * answer (the black holes): the lab answers everything else at once, and on a busy machine too,
 * so the default is far longer than any answer takes.
 */
async function outbound(
  scenario: string,
  options: { proxy?: string; timeoutMs?: number } = {},
): Promise<{ results: Record<string, CheckResult> }> {
  await lab.useScenario(scenario);
  const config = lab.config();
  const net = createNetProbe({ names: labNames(config.hosts), trustAnchors: config.trustAnchors });
  const list = await runChecks(
    outboundChecks({
      net,
      tenantId: LAB_TENANT_ID,
      serviceRoots: config.serviceRoots,
      ...(options.proxy ? { proxy: options.proxy } : {}),
    }),
    { timeoutMs: options.timeoutMs ?? 60_000 },
  );
  return { results: Object.fromEntries(list.map((result) => [result.id.replace(/^outbound\./, ''), result])) };
}

describe('outbound endpoints in the lab world', () => {
  it('healthy: DNS, TCP and TLS to every endpoint, chains end at the public root, clock agrees', async () => {
    const { results } = await outbound('healthy');
    const failures = Object.values(results).filter((result) => result.status !== 'pass');
    expect(failures.map((result) => `${result.id}: ${result.cause}`)).toEqual([]);
    expect(results[`${LAB_TENANT_ID}.bootstrap.msappproxy.net:443`]?.evidence.join(' ')).toContain(
      'chain ends at CN=Lab Public Services Root',
    );
    expect(results['crl3.digicert.com:80']?.evidence.join(' ')).toContain('HTTP 200');
    expect(results['clock']?.status).toBe('pass');
  });

  it('TLS inspection on *.msappproxy.net is critical even though the chain is trusted', async () => {
    const { results } = await outbound('outbound-inspected');
    const inspected = results['autoupdate.msappproxy.net:443'];
    expect(inspected).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(inspected?.cause).toContain('Contoso TLS Inspection CA');
    expect(inspected?.remediation).toContain('Exempt *.msappproxy.net');
    expect(results['login.microsoftonline.com:443']?.status).toBe('pass');
  });

  it('black-holed, refused and unresolvable endpoints each say so, and the black holes run side by side', async () => {
    // The black holes are the probes this timeout ends; the endpoints that answer do so long before.
    const { results } = await outbound('outbound-blocked', { timeoutMs: 5_000 });
    expect(results['login.microsoftonline.com:443']?.cause).toMatch(/no answer within 5 s.*firewall/);
    expect(results['autoupdate.msappproxy.net:443']?.status).toBe('fail');
    expect(results['crl3.digicert.com:80']).toMatchObject({ status: 'fail', severity: 'warning' });
    expect(results['enterpriseregistration.windows.net:443']?.cause).toContain('refused');
    expect(results['ocsp.msocsp.com:80']?.cause).toContain('does not resolve');
    expect(results['login.windows.net:443']?.status).toBe('pass');
    // Three black holes cost one timeout, not three: the lab's black hole held all three
    // connections at once (the bench measures the time itself).
    expect(lab.outbound?.blackholePeak()).toBeGreaterThanOrEqual(3);
  });

  it('through the proxy: CONNECT tunnels, and the chain is still checked end to end', async () => {
    const { results } = await outbound('healthy', { proxy: 'http://proxy.contoso.local:8080' });
    expect(results['autoupdate.msappproxy.net:443']?.status).toBe('pass');
    expect(results['autoupdate.msappproxy.net:443']?.evidence.join(' ')).toContain(
      'via http://proxy.contoso.local:8080',
    );
    expect(lab.outbound?.proxied).toContain('autoupdate.msappproxy.net:443');
  });

  it('a proxy that demands authentication (407) is critical: the connector cannot authenticate', async () => {
    const { results } = await outbound('proxy-auth', { proxy: 'http://proxy.contoso.local:8080' });
    expect(results['login.microsoftonline.com:443']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(results['login.microsoftonline.com:443']?.cause).toContain('407');
    expect(results['crl.microsoft.com:80']?.cause).toContain('407');
  });

  it('a clock 7 minutes off fails', async () => {
    const { results } = await outbound('clock-skew');
    expect(results['clock']).toMatchObject({ status: 'fail', severity: 'critical' });
    // The Date header has one-second resolution: 419–421 s.
    expect(results['clock']?.cause).toMatch(/4(19|20|21) s behind/);
  });

  it('the closed world keeps every probe on this machine', async () => {
    const net = createNetProbe({ names: closedWorld });
    const list = await runChecks(outboundChecks({ net }), { timeoutMs: 60_000 });
    // Nothing resolves: the DNS check says so once, and every endpoint could not be tried.
    expect(list.find((result) => result.id === 'outbound.dns')).toMatchObject({
      status: 'fail',
      cause: expect.stringMatching(/^This server resolves no public name/),
    });
    const endpoints = list.filter((result) => result.id !== 'outbound.dns' && result.id !== 'outbound.clock');
    expect(endpoints.every((result) => result.status === 'skipped' && result.skip === 'could-not-run')).toBe(true);
    expect(endpoints.filter((result) => /spelling/i.test(`${result.cause} ${result.remediation}`))).toEqual([]);
  });
});
