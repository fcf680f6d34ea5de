import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stepIds } from '../../electron/contract/model.ts';
import { startLabWorld } from '../lab/world.ts';
import { repoRoot } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot, 'dist', 'cli', 'ndes-companion.mjs');

/** Runs the built CLI, as the package's `ndes-companion` bin, with its own data folder. */
function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NDES_COMPANION_LAB: '', NDES_COMPANION_DATA: join(dir, 'data'), ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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

  it('host answers from the lab PowerShell stand-in', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab'), scenario: 'not-elevated', servers: false });
    const { code, stdout, stderr } = run(['host'], lab.env);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('CONN02: Microsoft Windows Server 2019 Standard (build 17763), NOT elevated: run as administrator');
    expect(stderr).toContain('Checking elevation');
  });

  // On Windows the real Windows PowerShell is there, so this case only exists elsewhere.
  it.runIf(process.platform !== 'win32')('host without PowerShell says so (exit 1)', () => {
    const { code, stderr } = run(['host']);
    expect(code).toBe(1);
    expect(stderr).toContain('POWERSHELL_UNAVAILABLE');
  });
});
