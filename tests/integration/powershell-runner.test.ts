import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompanionError } from '../../electron/core/errors.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { labEdges, readLabConfig } from '../lab/edges.ts';
import { HostIdentitySchema, scriptCatalogue } from '../../electron/core/powershell/catalogue.ts';
import { buildArgv, createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { startLabWorld } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-runner-'));
const lab = await startLabWorld({ root: repoRoot, dir, servers: false });
afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The runner the lab's entry points build, from the lab file they are given (read per scenario). */
function runner() {
  return createPowerShellRunner({
    host: labEdges(readLabConfig(lab.configFile)).powershell,
    scriptsDir,
    redactor: new Redactor(),
  });
}

/** A PowerShell that fails as a process (tests/lab/powershell/powershell-fault.mjs). */
function faulty(fault: string) {
  return {
    file: process.execPath,
    prefixArgs: [join(repoRoot, 'tests', 'lab', 'powershell', 'powershell-fault.mjs'), fault],
    label: 'Windows PowerShell',
  };
}

async function failure(promise: Promise<unknown>): Promise<CompanionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CompanionError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('our scripts in real PowerShell over the fake Windows, through the real runner', () => {
  it('Get-HostIdentity reads the server and streams its progress lines', async () => {
    await lab.useScenario('healthy');
    const progress: string[] = [];
    const run = await runner().run('Get-HostIdentity', { onProgress: (line) => progress.push(line) });
    expect(run.data).toMatchObject({
      computerName: 'NDES01',
      domain: 'contoso.local',
      osCaption: 'Microsoft Windows Server 2022 Datacenter',
      osBuild: 20348,
      languageMode: 'FullLanguage',
      elevated: true,
      serverCore: false,
    });
    expect(run.data.psVersion).toMatch(/^7\.6\./);
    expect(run.exitCode).toBe(0);
    expect(progress).toEqual(['Reading the operating system', 'Checking elevation']);
  });

  it('was started with -File, the fixed switches, and nothing built from input', () => {
    const record = lab.records().at(-1);
    expect(record?.script).toBe('Get-HostIdentity.ps1');
    expect(record?.argv).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-File',
      join(scriptsDir, 'Get-HostIdentity.ps1'),
    ]);
  });

  it('takes the result from its own line, whatever else the console host prints around it, and shows the rest', async () => {
    await lab.useScenario('healthy');
    const catalogue = {
      'Write-ChattyResult': {
        file: 'Write-ChattyResult.ps1',
        params: {},
        output: HostIdentitySchema,
        defaultTimeoutMs: 60_000,
      },
    };
    const chatty = createPowerShellRunner({
      host: labEdges(readLabConfig(lab.configFile)).powershell,
      scriptsDir: join(repoRoot, 'tests', 'fixtures', 'powershell'),
      redactor: new Redactor(),
      catalogue,
    });
    const progress: string[] = [];
    const run = await chatty.run('Write-ChattyResult', { onProgress: (line) => progress.push(line) });
    expect(run.data).toMatchObject({ computerName: 'NDES01', dnsHostName: 'ndes01.contoso.local' });
    expect(progress).toEqual(
      expect.arrayContaining([
        'Restarting the connector services.',
        "WARNING: Waiting for service 'Microsoft Entra private network connector (WAPCSvc)' to stop...",
        'a bare pipeline object',
        '{"computerName":"NOT-THE-RESULT"}',
        "WARNING: Waiting for service 'Microsoft Entra private network connector (WAPCSvc)' to start...",
      ]),
    );
    expect(progress.join('\n')).not.toContain('\u001b');
  });

  it('reads elevation from the mandatory label SID, whatever language the group names are in', async () => {
    await lab.useScenario('not-elevated');
    const run = await runner().run('Get-HostIdentity');
    expect(run.data).toMatchObject({ computerName: 'CONN02', elevated: false, serverCore: true });
  });

  it('under AppLocker script rules (ConstrainedLanguage) the scripts still read every fact', async () => {
    await lab.useScenario('applocker-clm');
    const identity = await runner().run('Get-HostIdentity');
    expect(identity.data).toMatchObject({ languageMode: 'ConstrainedLanguage', elevated: true });
    const facts = await runner().run('Get-HostReadiness');
    expect(facts.data.problems).toEqual([]);
    expect(facts.data.ndes?.raCertificates).toHaveLength(2);
    expect(lab.records().at(-1)?.languageMode).toBe('ConstrainedLanguage');
  });

  it("reports the script's own error when Windows fails it", async () => {
    await lab.useScenario('wmi-broken');
    const error = await failure(runner().run('Get-HostIdentity'));
    expect(error.code).toBe('POWERSHELL_FAILED');
    expect(error.message).toBe('Invalid class "Win32_OperatingSystem"');
  });

  it('stops a PowerShell that hangs, at its timeout or on cancel', async () => {
    await lab.useScenario('healthy');
    const hanging = createPowerShellRunner({ host: faulty('hang'), scriptsDir, redactor: new Redactor() });
    expect((await failure(hanging.run('Get-HostIdentity', { timeoutMs: 700 }))).code).toBe('TIMEOUT');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    expect(
      (await failure(hanging.run('Get-HostIdentity', { signal: controller.signal, timeoutMs: 10_000 }))).code,
    ).toBe('CANCELLED');
  });

  it.each([
    ['crash', 'POWERSHELL_FAILED', /exit code|signal/i],
    ['garbage', 'POWERSHELL_FAILED', /no readable result/],
  ])('a PowerShell that fails as a process (%s) is reported, not parsed', async (fault, code, message) => {
    const broken = createPowerShellRunner({ host: faulty(fault), scriptsDir, redactor: new Redactor() });
    const error = await failure(broken.run('Get-HostReadiness'));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('says plainly when there is no PowerShell on this machine', async () => {
    const none = createPowerShellRunner({ host: null, scriptsDir, redactor: new Redactor() });
    expect((await failure(none.run('Get-HostIdentity'))).code).toBe('POWERSHELL_UNAVAILABLE');
  });

  it('says plainly when PowerShell cannot be started', async () => {
    const broken = createPowerShellRunner({
      host: { file: join(dir, 'no-such-powershell.exe'), prefixArgs: [], label: 'Windows PowerShell' },
      scriptsDir,
      redactor: new Redactor(),
    });
    expect((await failure(broken.run('Get-HostIdentity'))).code).toBe('POWERSHELL_UNAVAILABLE');
  });
});

describe('argv building', () => {
  it('refuses parameters the script does not declare', () => {
    expect(() => buildArgv('x.ps1', scriptCatalogue['Get-HostIdentity'], { Command: 'Remove-Item C:\\' })).toThrow(
      /no parameter/,
    );
  });
});
