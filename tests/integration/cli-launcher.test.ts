import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/companion.ts';

/**
 * ndes-companion.exe, the console face of the installed app (build/cli-launcher/Program.cs),
 * built here for .NET 10 from the same source as the shipped .NET Framework 4.8 build, with a
 * stand-in for the Electron executable beside it.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-launcher-'));
const out = join(dir, 'bin');
const app = join(out, 'NDES Proxy Companion.exe');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const built = spawnSync(
    'dotnet',
    [
      'build',
      join(repoRoot, 'tests', 'cli-launcher', 'CliLauncherTestBuild.csproj'),
      '-c',
      'Release',
      '-o',
      out,
      '-nologo',
      '-v',
      'quiet',
    ],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the launcher did not build: ${built.stdout}${built.stderr}`);
  writeFileSync(
    app,
    `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'tests', 'cli-launcher', 'echo-app.mjs')}" "$@"\n`,
  );
  chmodSync(app, 0o755);
});

function launch(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(out, 'ndes-companion'), args, { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// Not on Windows: the stand-in beside the launcher is a shell script, and a test's SIGINT ends a
// Windows process instead of pressing Ctrl+C. The Windows workflow runs the shipped launcher
// against the packaged app instead ("the packaged CLI answers through the launcher").
describe.skipIf(process.platform === 'win32')('ndes-companion.exe (the launcher)', () => {
  it('starts the app with --cli alone and hands it the arguments exactly as typed, on standard input', async () => {
    const args = [
      'runbook',
      '--out',
      'C:\\My Runbooks\\',
      'say "hi"',
      '',
      'C:\\a\\\\b\\"c',
      'tab\there',
      'NDES01 – Zürich',
      '--remote-debugging-port=9222',
    ];
    const result = await launch(args);
    expect(result.code).toBe(0);
    // A Chromium switch typed among them stays an argument for the CLI to refuse, never Chromium's.
    const told = JSON.parse(result.stdout.trim()) as { argv: string[]; args: string[]; cwd: string; interrupt: string };
    expect({ argv: told.argv, args: told.args, cwd: told.cwd }).toEqual({ argv: ['--cli'], args, cwd: dir });
    // Beside them, the file its first Ctrl+C will create, in this account's temporary folder.
    expect(told.interrupt).toMatch(
      new RegExp(`^${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/ndes-companion-interrupt-[0-9a-f]{32}$`),
    );
  });

  it('passes the first Ctrl+C to the companion as its interrupt file, and stops it at the second', async () => {
    const child = spawn(join(out, 'ndes-companion'), ['wait-interrupt'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    let sent = 0;
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Each press when the stand-in shows it is ready for it: never after a clock.
      if (sent === 0 && stdout.includes('waiting for')) {
        sent = 1;
        child.kill('SIGINT');
      } else if (sent === 1 && stdout.includes('interrupt seen')) {
        sent = 2;
        child.kill('SIGINT');
      }
    });
    const code = await closed;
    expect(stdout).toContain('interrupt seen: Ctrl+C');
    expect(stderr).toContain('asking the companion to cancel the step');
    // As the companion's own CLI says a second Ctrl+C: 130.
    expect(code).toBe(130);
    expect(stderr).toContain('stopped at the second Ctrl+C');
    // The file is gone with the launcher.
    const file = JSON.parse(/waiting for (.*)$/m.exec(stdout)?.[1] ?? '""') as string;
    expect(existsSync(file)).toBe(false);
  });

  it('passes standard input through (a password piped in) and the exit code back', async () => {
    const result = await launch(['publish', 'exit=3'], 'Pfx-Passw0rd\n');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('stdin:"Pfx-Passw0rd\\n"');
  });

  it('without the app beside it says what to do and fails', async () => {
    rmSync(app);
    const result = await launch(['steps']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('NDES Proxy Companion.exe is missing. Repair or reinstall NDES Proxy Companion.');
  });
});
