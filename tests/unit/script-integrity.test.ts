import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompanionError } from '../../electron/core/errors.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { sha256File } from '../../electron/platform/script-integrity.ts';
import { repoRoot, scriptsDir } from '../helpers/companion.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-integrity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(scriptsDir, dir, { recursive: true });
const files = ['Companion.Common.ps1', 'Get-HostIdentity.ps1', 'Get-HostReadiness.ps1'];
const built = Object.fromEntries(files.map((file) => [file, sha256File(join(scriptsDir, file))]));

/** A PowerShell that does not exist: a run that passes the check fails only when it tries to start one. */
const runner = (expectedHashes: Record<string, string>) =>
  createPowerShellRunner({
    host: { file: join(dir, 'no-such-powershell.exe'), prefixArgs: [], label: 'Windows PowerShell' },
    scriptsDir: dir,
    redactor: new Redactor(),
    expectedHashes,
  });
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ran',
    (error: unknown) => (error instanceof CompanionError ? error.code : String(error)),
  );

describe('scripts are checked against the hashes recorded at build time before every run', () => {
  it('scripts as built go on to run', async () => {
    expect(await codeOf(runner(built).run('Get-HostIdentity'))).toBe('POWERSHELL_UNAVAILABLE');
  });

  it('a changed helper the script dot-sources stops the run before any process starts', async () => {
    appendFileSync(join(dir, 'Companion.Common.ps1'), '\nStart-Process calc\n');
    const error = await runner(built)
      .run('Get-HostIdentity')
      .catch((caught: unknown) => caught as CompanionError);
    expect(error).toBeInstanceOf(CompanionError);
    expect((error as CompanionError).code).toBe('SCRIPT_CHANGED');
    expect((error as CompanionError).message).toMatch(/Companion\.Common\.ps1 .* is not the file this build shipped/);
  });

  it('the built CLI carries the record of the scripts it ships', () => {
    const bundle = readFileSync(join(repoRoot, 'dist', 'cli', 'ndes-companion.mjs'), 'utf8');
    for (const hash of Object.values(built)) expect(bundle).toContain(hash);
  });
});
