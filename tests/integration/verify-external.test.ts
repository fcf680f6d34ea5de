import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/contract/model.ts';
import { runCheckSuite } from '../../electron/core/checks/suite.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { createHttpProbe } from '../../electron/platform/http-probe.ts';
import { createNetProbe } from '../../electron/platform/net-probe.ts';
import { createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { labEdges, labNames } from '../lab/edges.ts';
import { LAB_EXTERNAL_URL, startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-verify-'));
let lab: LabWorld;
beforeAll(async () => {
  lab = await startLabWorld({ root: repoRoot, dir });
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The verify checks through the external URL, as the app runs them against the lab. */
async function verify(scenario: string, proxyAddress?: string): Promise<Record<string, CheckResult>> {
  await lab.useScenario(scenario);
  const config = lab.config();
  // Through a proxy, this machine knows only the proxy: were a probe to go direct, the external
  // name would not resolve here and the check would fail.
  const hosts = proxyAddress
    ? Object.fromEntries(Object.entries(config.hosts).filter(([name]) => name.startsWith('proxy.')))
    : config.hosts;
  const services = {
    powershell: createPowerShellRunner({ host: labEdges(config).powershell, scriptsDir, redactor: new Redactor() }),
    http: createHttpProbe({ names: labNames(hosts), trustAnchors: config.trustAnchors }),
    net: createNetProbe({ names: labNames(hosts), trustAnchors: config.trustAnchors }),
    now: () => new Date(),
  };
  const report = await runCheckSuite(
    {
      scope: 'verify',
      externalUrl: LAB_EXTERNAL_URL,
      groups: ['scep-external'],
      timeoutMs: 5_000,
      longUrlKb: 4,
      ...(proxyAddress ? { proxyAddress } : {}),
    },
    services,
  );
  return Object.fromEntries(report.results.map((result) => [result.id, result]));
}

describe('verify through the external URL', () => {
  it('a 403 carried by a connector (x-ms-proxy-connector-id) is the healthy answer', async () => {
    const results = await verify('healthy');
    expect(results['external.mscep']).toMatchObject({ status: 'pass' });
    expect(results['external.mscep']?.evidence.join(' ')).toMatch(/carried by connector/);
  });

  it('a 403 without application proxy\'s headers is "not confirmed", a warning, never a pass or a critical failure', async () => {
    const results = await verify('appproxy-firewall');
    expect(results['external.mscep']).toMatchObject({ status: 'warn', severity: 'warning' });
    expect(results['external.mscep']?.cause).toMatch(/not confirmed that a connector carried it/);
  });

  it('with an outbound proxy given, the external URL is reached through it, and only through it', async () => {
    const before = lab.outbound?.proxied.length ?? 0;
    const results = await verify('healthy', 'http://proxy.contoso.local:8080');
    for (const id of [
      'external.iis-root',
      'external.mscep',
      'external.getcacaps',
      'external.getcacert',
      'external.long-url',
      'external.tls',
    ])
      expect(results[id]?.status, id).toBe('pass');
    expect(lab.outbound?.proxied.slice(before)).toContain('ndes-contoso.msappproxy.net:443');
  });

  it('a proxy that demands authentication is named as the cause', async () => {
    const results = await verify('proxy-auth', 'http://proxy.contoso.local:8080');
    expect(results['external.mscep']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(results['external.mscep']?.cause).toMatch(/proxy demands authentication \(407\)/);
  });
});
