import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompanionError } from '../../electron/core/errors.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { choosePowerShell, readLabConfig } from '../../electron/platform/environment.ts';
import { buildArgv, createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { startLabWorld } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-standin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lab = await startLabWorld({ root: repoRoot, dir, servers: false });
// The same path the app takes: the lab file named by NDES_COMPANION_LAB picks the PowerShell host.
const host = choosePowerShell(readLabConfig(lab.env));
const runner = createPowerShellRunner({ host, scriptsDir, redactor: new Redactor() });

async function failure(promise: Promise<unknown>): Promise<CompanionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CompanionError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the lab PowerShell stand-in through the real runner', () => {
  it('answers with the scenario result and streams its progress lines', async () => {
    await lab.useScenario('healthy');
    const progress: string[] = [];
    const run = await runner.run('Get-HostIdentity', { onProgress: (line) => progress.push(line) });
    expect(run.data).toEqual({ computerName: 'NDES01', osCaption: 'Microsoft Windows Server 2022 Datacenter', osBuild: 20348, psVersion: '5.1.20348.2849', elevated: true, serverCore: false });
    expect(run.exitCode).toBe(0);
    expect(progress).toEqual(['Reading the operating system', 'Checking elevation']);
  });

  it('was started with -File, the fixed switches, and nothing built from input', () => {
    const record = lab.records().at(-1);
    expect(record?.script).toBe('Get-HostIdentity.ps1');
    expect(record?.argv).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', join(scriptsDir, 'Get-HostIdentity.ps1')]);
    expect(record?.stdin).toBe('');
  });

  it('switches scenario: a non-elevated Server Core host', async () => {
    await lab.useScenario('not-elevated');
    const run = await runner.run('Get-HostIdentity');
    expect(run.data).toMatchObject({ computerName: 'CONN02', elevated: false, serverCore: true });
  });

  it("reports the script's own error message when it fails", async () => {
    await lab.useScenario('wmi-broken');
    const error = await failure(runner.run('Get-HostIdentity'));
    expect(error.code).toBe('POWERSHELL_FAILED');
    expect(error.message).toBe('Invalid class "Win32_OperatingSystem"');
  });

  it('stops a script that hangs at its timeout', async () => {
    const scenario = join(dir, 'hang.json');
    writeFileSync(scenario, JSON.stringify({ name: 'hang', description: 'hangs', scripts: { 'Get-HostIdentity.ps1': { progress: ['started'], hang: true } } }));
    const hanging = createPowerShellRunner({ host: host && { ...host, prefixArgs: host.prefixArgs.map((arg) => (arg.endsWith('scenario.json') ? scenario : arg)) }, scriptsDir, redactor: new Redactor() });
    const error = await failure(hanging.run('Get-HostIdentity', { timeoutMs: 700 }));
    expect(error.code).toBe('TIMEOUT');

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await failure(hanging.run('Get-HostIdentity', { signal: controller.signal, timeoutMs: 10_000 }));
    expect(cancelled.code).toBe('CANCELLED');
  });

  it('says plainly when there is no PowerShell on this machine', async () => {
    const none = createPowerShellRunner({ host: null, scriptsDir, redactor: new Redactor() });
    expect((await failure(none.run('Get-HostIdentity'))).code).toBe('POWERSHELL_UNAVAILABLE');
  });

  it('says plainly when PowerShell cannot be started', async () => {
    const broken = createPowerShellRunner({ host: { file: join(dir, 'no-such-powershell.exe'), prefixArgs: [], label: 'Windows PowerShell' }, scriptsDir, redactor: new Redactor() });
    expect((await failure(broken.run('Get-HostIdentity'))).code).toBe('POWERSHELL_UNAVAILABLE');
  });
});

describe('argv building', () => {
  it('refuses parameters the script does not declare', () => {
    expect(() => buildArgv('x.ps1', 'Get-HostIdentity', { Command: 'Remove-Item C:\\' })).toThrow(/no parameter/);
  });
});
