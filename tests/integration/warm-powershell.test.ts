import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptCatalogue, type ScriptName } from '../../electron/core/powershell/catalogue.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { startWarmPowerShell, type WarmResult } from '../fake-windows/warm.ts';
import { loadScenario } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

/**
 * The warm PowerShell (many runs, one engine) is held to what a PowerShell process started with
 * the production command line does: the same exit code, by -File's rule, and the same stdout, for
 * every ending a script can have and for every shipped script in worlds where they succeed and
 * where they fail. The script-contract test relies on this to run its whole matrix warm.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ndes-warm-'));
const warm = startWarmPowerShell(repoRoot);
afterAll(async () => {
  await warm.close();
  rmSync(dir, { recursive: true, force: true });
});
const samples: Partial<Record<ScriptName, Record<string, string | number>>> = {
  'Install-Connector': {
    InstallerPath: 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe',
    ServicesTimeoutSeconds: 3,
  },
  'Register-Connector': { TenantId: '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13' },
  'Set-ConnectorProxy': { ProxyAddress: 'http://proxy.contoso.local:8080', WinHttp: 'Set' },
  'Set-RestartResume': { Action: 'Read' },
  // Process 1 is there on any machine (init on Linux, System's idle process has id 0 on Windows).
  'Get-ProcessStart': { ProcessId: 1 },
  'Protect-DataFolder': { Path: 'C:\\ProgramData\\NDES Proxy Companion' },
};

let worlds = 0;
/** A world file of its own (the process and the warm run each change theirs). */
function world(scenario: string): string {
  worlds += 1;
  const state = join(dir, `world-${worlds}.json`);
  writeFileSync(state, JSON.stringify(loadScenario(repoRoot, scenario).windows));
  return state;
}

async function asProcess(
  script: string,
  state: string,
  params: Record<string, string | number>,
  switches: string[] = [],
): Promise<WarmResult> {
  const host = fakeWindowsHost(repoRoot, { state });
  const argv = [
    ...host.prefixArgs,
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-File',
    script,
    ...Object.entries(params).flatMap(([name, value]) => [`-${name}`, String(value)]),
    ...switches.map((name) => `-${name}`),
  ];
  const started = run(host.file, argv, { encoding: 'utf8' });
  started.child.stdin?.end();
  return started.then(
    (ok) => ({ exitCode: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      exitCode: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

/**
 * What may differ between two runs of one script: colour codes, and what a run makes afresh
 * (times, ids, and the thumbprints of the certificates the fake issues for each run).
 */
function comparable(stdout: string): string {
  return (
    stdout
      .replace(/\r\n/g, '\n')
      // eslint-disable-next-line no-control-regex -- the console host's colour codes are what is taken out.
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g, '<time>')
      .replace(/\d{8}T\d{6,9}Z/g, '<time>')
      .replace(/"durationSeconds":\d+/g, '"durationSeconds":<n>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<guid>')
      .replace(/\b[0-9A-F]{40}\b/g, '<thumbprint>')
      .replace(/\\u002e\d+\.tmp|\.\d+\.tmp/g, '.<pid>.tmp')
  );
}

describe('the warm PowerShell does what -File does', () => {
  const fixture = join(repoRoot, 'tests', 'fixtures', 'powershell', 'Exit-As-File.ps1');
  it.each([
    ['exit 3', { Ending: 'exit', Code: 3 }, [], 3],
    ['exit 0 after output of every kind', { Ending: 'exit', Code: 0 }, ['Loud'], 0],
    ['a terminating error', { Ending: 'throw' }, [], 1],
    ['a stop by $ErrorActionPreference', { Ending: 'stop' }, [], 1],
    ['a normal end after a native command that failed', { Ending: 'native' }, [], 0],
    ['a normal end after errors it went on from', { Ending: 'normal' }, ['Loud'], 0],
  ] as const)('%s: the same exit code and stdout', async (_name, params, switches, code) => {
    const state = world('healthy');
    const [process, warmRun] = await Promise.all([
      asProcess(fixture, state, params, [...switches]),
      warm.run({ script: fixture, state, params, switches: [...switches] }),
    ]);
    expect(process.exitCode).toBe(code);
    expect(warmRun.exitCode).toBe(code);
    expect(comparable(warmRun.stdout)).toBe(comparable(process.stdout));
  });

  // No connector (the actions refuse, or install one) and a registered connector (they act).
  it.each(
    (['healthy', 'connector-registered'] as const).flatMap((scenario) =>
      (Object.keys(scriptCatalogue) as ScriptName[]).map((script) => [script, scenario] as const),
    ),
  )('%s in %s: the same exit code and stdout as a process', async (script, scenario) => {
    const file = join(scriptsDir, scriptCatalogue[script].file);
    const params = samples[script] ?? {};
    // Each way over a world of its own: actions change theirs.
    const [process, warmRun] = await Promise.all([
      asProcess(file, world(scenario), params),
      warm.run({ script: file, state: world(scenario), params }),
    ]);
    expect(warmRun.exitCode).toBe(process.exitCode);
    expect(comparable(warmRun.stdout)).toBe(comparable(process.stdout));
  });

  it('keeps one run from the next: the environment the fake sets is put back', async () => {
    // A run in a world whose environment sets TEMP, then one in a world that does not: the second
    // sees the process's own TEMP again, as a new process would.
    const probe = join(dir, 'Show-Temp.ps1');
    writeFileSync(probe, 'Write-Host "TEMP=$env:TEMP"\n');
    const withTemp = await warm.run({ script: probe, state: world('healthy') });
    const empty = join(dir, 'empty-world.json');
    writeFileSync(empty, '{}');
    const without = await warm.run({ script: probe, state: empty });
    expect(withTemp.stdout).toContain('TEMP=C:\\');
    expect(without.stdout.replace(/\r\n/g, '\n')).toBe(`TEMP=${process.env['TEMP'] ?? ''}\n`);
  });
});
