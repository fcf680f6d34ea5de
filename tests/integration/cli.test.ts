import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepIds } from '../../electron/contract/model.ts';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, startLabWorld } from '../lab/world.ts';
import { repoRoot } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot, 'dist', 'cli', 'ndes-companion.mjs');
const labCli = join(repoRoot, 'dist', 'lab', 'cli.mjs');

/**
 * Runs the built CLI with its own data folder: the package's `ndes-companion` bin, or, given a
 * lab world, the lab's CLI entry (the same CLI over the lab's edges).
 */
function argvFor(args: string[], lab?: { cliArgs: string[] }): string[] {
  return [...(lab ? [labCli, ...lab.cliArgs] : [cli]), ...args, '--data-dir', join(dir, 'data')];
}

function run(args: string[], lab?: { cliArgs: string[] }) {
  const result = spawnSync(process.execPath, argvFor(args, lab), { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runAsync(args: string[], lab?: { cliArgs: string[] }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argvFor(args, lab));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ndes-companion CLI', () => {
  it('steps --json lists the ten steps in order', () => {
    const { code, stdout } = run(['steps', '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { ok: true; value: { steps: { id: string; available: boolean }[] } };
    expect(parsed.ok).toBe(true);
    expect(parsed.value.steps.map((step) => step.id)).toEqual([...stepIds]);
  });

  it('steps prints a table a person can read', () => {
    const { code, stdout } = run(['steps']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^#\s+id\s+title/m);
    expect(stdout).toMatch(/^4\s+registration\s+Registration\s+cloud\s+not available yet$/m);
    expect(stdout).toMatch(/^1\s+readiness\s+Readiness\s+local\s+not-started$/m);
  });

  it('plan shows the exact command with the inputs given', () => {
    const { code, stdout } = run(['plan', 'connector-install', '--input', 'installerPath=C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe']);
    expect(code).toBe(0);
    expect(stdout).toContain('"C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe" REGISTERCONNECTOR="false" /q');
    expect(stdout).toContain('changes the system');
  });

  it('plan --offline turns a cloud step into portal steps without changing the saved mode', () => {
    const offline = run(['plan', 'publish', '--offline', '--json']);
    expect(offline.code).toBe(0);
    const plan = JSON.parse(offline.stdout) as { value: { mode: string; actions: { kind: string; detail: string }[] } };
    expect(plan.value.mode).toBe('offline');
    expect(plan.value.actions.every((action) => action.kind === 'manual')).toBe(true);
    expect(plan.value.actions.map((action) => action.detail).join(' ')).toContain('Pre Authentication: Passthrough');
    const again = JSON.parse(run(['plan', 'publish', '--json']).stdout) as { value: { mode: string } };
    expect(again.value.mode).toBe('guided');
  });

  it('run of a step that is not built yet fails with exit 1 and says what to do', () => {
    const { code, stderr } = run(['run', 'publish']);
    expect(code).toBe(1);
    expect(stderr).toContain('Error (NOT_AVAILABLE): Publish is not available yet');
    expect(stderr).toContain('What to do: Do this step by hand for now');
  });

  it.each([
    [['frobnicate']],
    [['plan']],
    [['plan', 'no-such-step']],
    [['steps', 'extra']],
    [['plan', 'publish', '--input', 'novalue']],
    [['steps', '--no-such-flag']],
    [[]],
  ])('exits 2 on bad usage: %j', (args) => {
    const { code, stderr } = run(args);
    expect(code).toBe(2);
    expect(stderr.length).toBeGreaterThan(0);
  });

  it('rejects a bad input through the same gateway as the window', () => {
    const { code, stderr } = run(['plan', 'publish', '--input', '__proto__=x']);
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_REQUEST');
  });

  it('--help documents commands and exit codes', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes:');
    for (const command of ['steps', 'plan', 'run', 'verify', 'host']) expect(stdout).toContain(`ndes-companion ${command}`);
  });

  it('host answers from the lab\'s PowerShell over the fake Windows', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab'), scenario: 'not-elevated', servers: false });
    const { code, stdout, stderr } = run(['host'], lab);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('CONN02: Microsoft Windows Server 2019 Standard (build 17763), NOT elevated: run as administrator');
    expect(stderr).toContain('Checking elevation');
  });

  // On Windows the real Windows PowerShell is there, so this case only exists elsewhere.
  it.runIf(process.platform !== 'win32')('check without PowerShell is Incomplete (exit 3), never Ready, and says why', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab-missing'), scenario: 'powershell-missing' });
    const { code, stdout } = await runAsync(['check', '--tenant-id', LAB_TENANT_ID], lab).finally(() => lab.close());
    expect(code).toBe(3);
    expect(stdout).toMatch(/^SKIP\s+critical\s+host\s+Windows Server 2016 or later$/m);
    expect(stdout).toMatch(/SKIP Windows Server 2016 or later \[host\.os\] \(could not run\)\n {2}Why:\s+Could not run: PowerShell could not read this server/);
    expect(stdout).toMatch(/^Incomplete: \d+ critical check\(s\) could not run/m);
    expect(stdout).not.toMatch(/^Ready/m);
  });

  it.runIf(process.platform !== 'win32')('host without PowerShell says so (exit 1)', () => {
    const { code, stderr } = run(['host']);
    expect(code).toBe(1);
    expect(stderr).toContain('POWERSHELL_UNAVAILABLE');
  });
});

describe('ndes-companion check against the lab', () => {
  let lab: Awaited<ReturnType<typeof startLabWorld>>;
  const urls = ['--internal-url', LAB_INTERNAL_URL, '--external-url', LAB_EXTERNAL_URL, '--tenant-id', LAB_TENANT_ID];
  beforeAll(async () => {
    lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'check-lab') });
  });
  afterAll(async () => {
    await lab?.close();
  });
  // The CLI runs in its own process; the lab's servers live in this one, so the call must not block it.
  async function check(scenario: string, args: string[]) {
    await lab.useScenario(scenario);
    return runAsync(['check', ...args], lab);
  }

  it('healthy: the compact table, "Ready", exit 0', async () => {
    const { code, stdout, stderr } = await check('healthy', urls);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^status\s+severity\s+group\s+check$/m);
    // Live lines on stderr only for what needs attention; the table has the rest.
    expect(stderr).toContain('WARN mscep_admin is not published to the internet');
    expect(stderr).not.toMatch(/^PASS /m);
    expect(stdout).toMatch(/^PASS\s+critical\s+scep-external\s+The same CA answers through both URLs$/m);
    expect(stdout).toMatch(/^PASS\s+critical\s+outbound\s+autoupdate\.msappproxy\.net:443/m);
    expect(stdout).toContain('Ready: no critical check failed');
  });

  it.each([
    ['ndes-not-ready', /Request filtering limits are below 65534/, /Maximum URL length and Maximum query string = 65534/],
    ['appproxy-preauth', /pre-authentication is Microsoft Entra ID, not Passthrough/, /set Pre Authentication to Passthrough/],
    ['outbound-inspected', /TLS to autoupdate\.msappproxy\.net is intercepted/, /Exempt \*\.msappproxy\.net/],
    ['tls12-off', /TLS 1\.2 is disabled in SCHANNEL/, /DisabledByDefault=0/],
  ])('%s: exit 1 with cause and remedy', async (scenario, cause, remedy) => {
    const { code, stdout } = await check(scenario, urls);
    expect(code).toBe(1);
    expect(stdout).toMatch(cause);
    expect(stdout).toMatch(remedy);
    expect(stdout).toMatch(/Not ready: \d+ critical check\(s\) failed/);
  });

  it('--json is one stable document', async () => {
    const { code, stdout } = await check('healthy', [...urls, '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { ok: boolean; value: { passed: boolean; runId: string; notes: string[]; results: Record<string, unknown>[] } };
    expect(parsed.ok).toBe(true);
    expect(parsed.value.passed).toBe(true);
    for (const result of parsed.value.results) expect(Object.keys(result)).toEqual(expect.arrayContaining(['id', 'group', 'title', 'severity', 'status', 'evidence', 'docUrl', 'durationMs']));
  });

  it.each([
    [['--internal-url', 'https://10.0.0.1/']],
    [['--external-url', 'https://ndes.contoso.com/']],
    [['--proxy', 'http://user:pw@proxy:8080']],
    [['--timeout', 'soon']],
    [['--long-url-kb', '64']],
    [['--tenant-id', 'contoso']],
  ])('bad input %j: exit 2 before any probe', async (args) => {
    const before = lab.records().length;
    const { code, stderr } = await check('healthy', args);
    expect(code).toBe(2);
    expect(stderr).toContain('INVALID_REQUEST');
    expect(lab.records().length).toBe(before);
  });
});
