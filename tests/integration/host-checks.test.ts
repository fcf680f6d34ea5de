import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/contract/model.ts';
import { runCheckSuite } from '../../electron/core/checks/suite.ts';
import { verdictOf } from '../../electron/contract/verdict.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { closedWorld, labEdges } from '../lab/edges.ts';
import { createHttpProbe } from '../../electron/platform/http-probe.ts';
import { createNetProbe } from '../../electron/platform/net-probe.ts';
import { createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-host-'));
let lab: LabWorld;
beforeAll(async () => {
  lab = await startLabWorld({ root: repoRoot, dir, servers: false });
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The host and NDES groups: our real script in PowerShell over the scenario's fake Windows,
 * through the real runner. One run per scenario, whatever the number of assertions on it.
 */
const runs = new Map<string, Promise<Record<string, CheckResult>>>();
let queue: Promise<unknown> = Promise.resolve();
function hostResults(scenario: string): Promise<Record<string, CheckResult>> {
  let run = runs.get(scenario);
  if (!run) {
    // The lab holds one world at a time, so scenarios take turns.
    run = queue.then(async () => {
      await lab.useScenario(scenario);
      const services = {
        powershell: createPowerShellRunner({
          host: labEdges(lab.config()).powershell,
          scriptsDir,
          redactor: new Redactor(),
        }),
        http: createHttpProbe({ names: closedWorld }),
        net: createNetProbe({ names: closedWorld }),
        now: () => new Date('2026-11-26T06:00:00Z'),
      };
      const report = await runCheckSuite(
        { scope: 'readiness', groups: ['host', 'ndes'], timeoutMs: 20_000, longUrlKb: 20 },
        services,
      );
      return Object.fromEntries(report.results.map((result) => [result.id, result]));
    });
    queue = run.catch(() => undefined);
    runs.set(scenario, run);
  }
  return run;
}

describe('host and NDES/IIS checks, judged from one PowerShell run', () => {
  it('healthy: every host and NDES check passes, from exactly one PowerShell process', async () => {
    const before = lab.records().length;
    const results = await hostResults('healthy');
    const notPassing = Object.values(results).filter((result) => result.status !== 'pass');
    expect(notPassing.map((result) => result.id)).toEqual([]);
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(19);
    expect(lab.records().length - before).toBe(1);
    expect(lab.records().at(-1)?.script).toBe('Get-HostReadiness.ps1');
  });

  it.each([
    ['not-elevated', 'host.elevated', 'fail', /not running as administrator/],
    ['not-elevated', 'host.server-core', 'warn', /Server Core/],
    ['old-server', 'host.os', 'fail', /2016/],
    ['old-server', 'host.dotnet', 'fail', /394802 is older than 4\.7\.2/],
    ['tls12-off', 'host.tls12', 'fail', /TLS 1\.2 is disabled/],
    ['tls12-off', 'host.strong-crypto', 'warn', /SchUseStrongCrypto is not 1/],
    ['gpo-restricted', 'host.execution-policy', 'warn', /Group Policy sets the execution policy/],
    ['gpo-restricted', 'host.ie-esc', 'warn', /Enhanced Security Configuration is on/],
    ['gpo-restricted', 'host.time-source', 'warn', /Type=NoSync/],
    ['password-protection', 'host.password-protection', 'fail', /incompatible/],
    ['proxy-mismatch', 'host.proxy-config', 'warn', /WinHTTP does not/],
    ['proxy-mismatch', 'host.connector', 'fail', /WAPCUpdaterSvc is not running/],
    ['ndes-not-ready', 'ndes.request-limits', 'fail', /below 65534/],
    ['ndes-not-ready', 'ndes.http-sys', 'fail', /414/],
    ['ndes-not-ready', 'ndes.reboot', 'warn', /reboot pending/],
    ['ndes-not-ready', 'ndes.templates', 'warn', /IPSECIntermediateOffline/],
    ['ndes-not-ready', 'ndes.intune-connector', 'fail', /not installed/],
    ['ndes-not-ready', 'ndes.default-web-site', 'warn', /renamed or removed/],
    ['ra-expiring', 'ndes.ra-certificates', 'warn', /expires in 12 days/],
    [
      'ra-expired',
      'ndes.ra-certificates',
      'fail',
      /signing RA certificate .* expired 26 day\(s\) ago and no valid one replaces it/,
    ],
    ['ra-renewed', 'ndes.ra-certificates', 'warn', /2 expired RA certificate\(s\) remain beside the valid pair/],
  ])('%s → %s %s', async (scenario, id, status, cause) => {
    const results = await hostResults(scenario);
    expect(results[id]?.status).toBe(status);
    expect(results[id]?.cause).toMatch(cause);
    expect(results[id]?.remediation?.length).toBeGreaterThan(10);
  });

  it('PowerShell missing: nothing is judged, every host check says it could not run, and the verdict is Incomplete', async () => {
    const results = await hostResults('powershell-missing');
    const all = Object.values(results);
    expect(all.every((result) => result.status === 'skipped' && result.skip === 'could-not-run')).toBe(true);
    expect(results['host.os']?.cause).toMatch(
      /^Could not run: PowerShell could not read this server\. Windows PowerShell \(lab\) is not on this machine/,
    );
    expect(verdictOf(all)).toBe('incomplete');
  });

  it('an execution policy set to AllSigned by Group Policy is named as the cause, and nothing else is judged', async () => {
    const results = await hostResults('gpo-allsigned');
    expect(results['host.powershell']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(results['host.powershell']?.cause).toMatch(
      /Group Policy does not let it run the companion's unsigned scripts, either through the execution policy \(AllSigned or Restricted/,
    );
    expect(results['host.powershell']?.remediation).toMatch(/Turn on Script Execution/);
    expect(results['host.dotnet']).toMatchObject({ status: 'skipped', skip: 'could-not-run' });
    expect(verdictOf(Object.values(results))).toBe('not-ready');
  });

  it('AppLocker script rules: the scripts still read everything, and the mode is reported', async () => {
    const results = await hostResults('applocker-clm');
    expect(results['host.powershell']).toMatchObject({ status: 'warn', severity: 'info' });
    expect(results['host.powershell']?.evidence.join(' ')).toContain('ConstrainedLanguage');
    expect(results['ndes.ra-certificates']?.status).toBe('pass');
  });

  it('a connector-only server skips the NDES group and says why', async () => {
    const results = await hostResults('connector-host');
    expect(results['ndes.app-pool']).toMatchObject({
      status: 'skipped',
      cause: expect.stringContaining('NDES is not installed on this server'),
    });
    expect(results['host.os']?.status).toBe('pass');
  });

  it('an unreadable fact leaves only the checks that need it unjudged (could not run), with the reason Windows gave', async () => {
    const results = await hostResults('wmi-broken');
    expect(results['host.os']).toMatchObject({ status: 'skipped', skip: 'could-not-run' });
    expect(results['host.os']?.cause).toBe(
      'Could not run: The operating system (Win32_OperatingSystem) could not be read. Invalid class "Win32_OperatingSystem" (HRESULT 0x80041010,Get-CimInstance, MetadataError)',
    );
    expect(verdictOf(Object.values(results))).toBe('incomplete');
    expect(results['host.dotnet']?.status).toBe('pass');
    expect(results['ndes.ra-certificates']?.status).toBe('pass');
  });
});

describe('a PowerShell that hangs', () => {
  it('is reported as slow PowerShell at the host-facts deadline, never as a network problem', async () => {
    const services = {
      powershell: createPowerShellRunner({
        host: {
          file: process.execPath,
          prefixArgs: [join(repoRoot, 'tests', 'lab', 'powershell', 'powershell-fault.mjs'), 'hang'],
          label: 'Windows PowerShell',
        },
        scriptsDir,
        redactor: new Redactor(),
      }),
      http: createHttpProbe({ names: closedWorld }),
      net: createNetProbe({ names: closedWorld }),
      now: () => new Date('2026-11-26T06:00:00Z'),
    };
    const report = await runCheckSuite(
      { scope: 'readiness', groups: ['host'], timeoutMs: 500, longUrlKb: 20, hostFactsTimeoutMs: 1_500 },
      services,
    );
    const powershell = report.results.find((result) => result.id === 'host.powershell');
    expect(powershell?.status).toBe('fail');
    expect(powershell?.cause).toMatch(/PowerShell itself was slow, not the network/);
    expect(report.results.map((result) => `${result.cause} ${result.remediation}`).join(' ')).not.toMatch(
      /drops the traffic/,
    );
  });
});
