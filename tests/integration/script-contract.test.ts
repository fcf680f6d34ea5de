import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptCatalogue, type ScriptName } from '../../electron/core/powershell/catalogue.ts';
import { buildArgv } from '../../electron/platform/powershell-runner.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { startWarmPowerShell, type WarmPowerShell } from '../fake-windows/warm.ts';
import { contractIssues } from '../powershell/output-contract.ts';
import { validateOutputsDir } from '../powershell/validate-outputs.ts';
import { loadScenario, scenarioNames } from '../lab/world.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ndes-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every lab world a script can run in (process faults print nothing to check), once per
// distinct Windows world and language mode.
const worlds = new Map<
  string,
  { scenarios: string[]; windows: unknown; languageMode: 'FullLanguage' | 'ConstrainedLanguage' }
>();
for (const name of scenarioNames(repoRoot)) {
  const scenario = loadScenario(repoRoot, name);
  if (scenario.powershell) continue;
  const key = `${scenario.languageMode}:${JSON.stringify(scenario.windows)}`;
  const known = worlds.get(key);
  if (known) known.scenarios.push(name);
  else worlds.set(key, { scenarios: [name], windows: scenario.windows, languageMode: scenario.languageMode });
}
// Actions run with the sample values, in the worlds that tell their outcomes apart (each run
// is a whole installation or registration); read-only scripts run in every world. The Windows
// workflow uses the same file.
const samples = JSON.parse(
  readFileSync(join(repoRoot, 'tests', 'powershell', 'script-samples.json'), 'utf8'),
) as Partial<Record<ScriptName, { parameters: Record<string, string | number>; worlds: string[] }>>;
const cases = [...worlds.values()].flatMap((world, index) =>
  (Object.keys(scriptCatalogue) as ScriptName[])
    .filter((script) => !samples[script] || world.scenarios.some((name) => samples[script]?.worlds.includes(name)))
    .map((script) => ({ ...world, script, index })),
);

/**
 * FullLanguage worlds run in warm PowerShells, one per core (the engine loaded once; each run a
 * session of its own, held to a process's exit code and stdout by warm-powershell.test.ts);
 * ConstrainedLanguage worlds run as processes, the way only a process shows.
 */
const pool = Array.from({ length: Math.max(1, availableParallelism()) }, () => startWarmPowerShell(repoRoot));
afterAll(() => Promise.all(pool.map((warm) => warm.close())));

async function asProcess(
  script: ScriptName,
  state: string,
  languageMode: 'FullLanguage' | 'ConstrainedLanguage',
): Promise<{ exitCode: number; stdout: string }> {
  const host = fakeWindowsHost(repoRoot, { state, languageMode });
  const argv = [
    ...host.prefixArgs,
    ...buildArgv(
      join(scriptsDir, scriptCatalogue[script].file),
      scriptCatalogue[script],
      samples[script]?.parameters ?? {},
    ),
  ];
  const started = run(host.file, argv, { encoding: 'utf8' });
  // Standard input ends at once, as the companion's runner ends it: a script that reads stdin
  // (Register-Connector) must not wait on an open pipe.
  started.child.stdin?.end();
  return started.then(
    (ok) => ({ exitCode: 0, stdout: ok.stdout }),
    (error: { code?: number; stdout?: string }) => ({
      exitCode: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
    }),
  );
}

describe('every script keeps its output contract in every lab world', () => {
  it.concurrent.each(
    cases.map((entry, number) => [`${entry.script} in ${entry.scenarios.join(', ')}`, { ...entry, number }] as const),
  )('%s', async (_title, entry) => {
    const state = join(dir, `world-${entry.index}-${entry.script}.json`);
    writeFileSync(state, JSON.stringify(entry.windows));
    const result =
      entry.languageMode === 'ConstrainedLanguage'
        ? await asProcess(entry.script, state, entry.languageMode)
        : await (pool[entry.number % pool.length] as WarmPowerShell).run({
            script: join(scriptsDir, scriptCatalogue[entry.script].file),
            state,
            params: samples[entry.script]?.parameters ?? {},
          });
    expect(contractIssues({ script: entry.script, exitCode: result.exitCode, stdout: result.stdout })).toEqual([]);
  });
});

describe('the sample runs of the actions', () => {
  it('name only lab worlds that exist and catalogue scripts', () => {
    const known = scenarioNames(repoRoot);
    for (const [script, sample] of Object.entries(samples)) {
      expect(Object.keys(scriptCatalogue)).toContain(script);
      for (const name of sample?.worlds ?? []) expect(known).toContain(name);
    }
  });
});

describe('the contract check can fail', () => {
  const ok = (stdout: string, exitCode = 0) => contractIssues({ script: 'Get-HostIdentity', exitCode, stdout });
  const identity = {
    computerName: 'N',
    dnsHostName: 'n',
    domain: 'd',
    osCaption: 'c',
    osBuild: 1,
    psVersion: '5.1',
    languageMode: 'FullLanguage',
    elevated: true,
    serverCore: false,
  };
  it('accepts a document that matches the schema on its ::result:: line, among progress, warnings and host lines', () => {
    expect(
      ok(
        `::progress:: Reading\r\nWARNING: Waiting for service 'Microsoft Entra private network connector (WAPCSvc)' to stop...\r\n::result:: ${JSON.stringify(identity)}\r\n`,
      ),
    ).toEqual([]);
  });
  it('names an array that Windows PowerShell 5.1 wrapped as {"value":[…],"Count":n}', () => {
    const facts = { sites: { value: ['Default Web Site'], Count: 1 } };
    expect(
      contractIssues({ script: 'Get-HostReadiness', exitCode: 0, stdout: `::result:: ${JSON.stringify(facts)}` }),
    ).toContain('sites is an array written as {"value":[...],"Count":n} (Windows PowerShell 5.1 type data)');
  });
  it('refuses a one-element array unwrapped to a scalar', () => {
    expect(ok(`::result:: ${JSON.stringify({ ...identity, osBuild: '20348' })}`).join(' ')).toMatch(/osBuild/);
  });
  it('refuses non-ASCII text, two documents, none, and an error document without its fields', () => {
    expect(ok(`::result:: ${JSON.stringify({ ...identity, computerName: 'Café' })}`)).toContain(
      'the document is not printable ASCII (non-ASCII text must be \\u-escaped)',
    );
    expect(ok(`::result:: ${JSON.stringify(identity)}\n::result:: ${JSON.stringify(identity)}`)[0]).toMatch(/found 2$/);
    // A bare document is what a script printed before the marker existed: the companion would not find it.
    expect(ok(JSON.stringify(identity))[0]).toMatch(/found 0$/);
    expect(ok(`::result:: ${JSON.stringify({ error: { message: 'x' } })}`, 1).join(' ')).toMatch(/error\.code/);
  });
});

describe('the saved-outputs check the Windows workflow runs after Windows PowerShell 5.1', () => {
  it('passes kept contracts and names each broken one by file', () => {
    const saved = join(dir, 'saved');
    mkdirSync(saved);
    const identity = {
      computerName: 'N',
      dnsHostName: 'n',
      domain: 'd',
      osCaption: 'c',
      osBuild: 1,
      psVersion: '5.1.20348.1',
      languageMode: 'FullLanguage',
      elevated: true,
      serverCore: false,
    };
    writeFileSync(
      join(saved, 'healthy.Get-HostIdentity.json'),
      JSON.stringify({
        script: 'Get-HostIdentity',
        exitCode: 0,
        stdout: `::progress:: Reading\n::result:: ${JSON.stringify(identity)}`,
      }),
    );
    expect(validateOutputsDir(saved)).toEqual({ checked: 1, problems: [] });
    writeFileSync(
      join(saved, 'healthy.Get-HostReadiness.json'),
      JSON.stringify({
        script: 'Get-HostReadiness',
        exitCode: 0,
        stdout: `::result:: ${JSON.stringify({ problems: { value: [], Count: 0 } })}`,
      }),
    );
    const { checked, problems } = validateOutputsDir(saved);
    expect(checked).toBe(2);
    expect(problems).toContain(
      'healthy.Get-HostReadiness.json: problems is an array written as {"value":[...],"Count":n} (Windows PowerShell 5.1 type data)',
    );
  });
});
