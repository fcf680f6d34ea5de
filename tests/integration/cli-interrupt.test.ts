import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLab } from '../helpers/cloud-lab.ts';
import { repoRoot } from '../helpers/companion.ts';
import { until } from '../helpers/until.ts';

/**
 * Ctrl+C in the CLI is the wizard's Cancel: the lab's CLI as a process, sent SIGINT when its own
 * output says the moment has come (never after a clock). The first asks the runbook to cancel,
 * which it refuses while Windows Installer is changing the server; the second ends the command.
 */
const { lab, dir } = useLab('ndes-interrupt-');
const PICKED = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';

/** Runs the lab CLI and sends SIGINT each time `when` says so for what stderr holds by then. */
function interrupted(
  args: string[],
  when: (stderr: string, sent: number) => boolean,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      join(repoRoot, 'dist', 'lab', 'cli.mjs'),
      ...lab().cliArgs,
      ...args,
      '--data-dir',
      join(dir, 'data'),
    ]);
    let stdout = '';
    let stderr = '';
    let sent = 0;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (when(stderr, sent)) {
        sent += 1;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** Processes still running over this test's lab world (its folder is on their command line). */
function leftRunning(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(join('/proc', pid, 'cmdline'), 'utf8').includes(lab().dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function slowInstall(): void {
  const file = join(lab().dir, 'windows.json');
  const windows = JSON.parse(readFileSync(file, 'utf8')) as {
    files: Record<string, { installer?: Record<string, unknown> }>;
  };
  Object.assign(windows.files[PICKED]?.installer ?? {}, { transactionMs: 4000 });
  writeFileSync(file, JSON.stringify(windows));
}

describe('Ctrl+C in the CLI', () => {
  it('inside the Windows Installer transaction is refused with the reason, and the install finishes', async () => {
    await lab().useScenario('healthy');
    slowInstall();
    const result = await interrupted(
      ['install', PICKED],
      (stderr, sent) => sent === 0 && stderr.includes('From now on Cancel is refused'),
    );
    expect(result.stderr).toMatch(
      /Not stopped: Windows Installer is installing the connector now\. .* Press Ctrl\+C again to end the command now/,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Connector 1\.5\.4287\.0 installed; WAPCSvc and WAPCUpdaterSvc are running\.$/m);
  });

  it('before anything changes cancels the step', async () => {
    await lab().useScenario('healthy');
    // --verbose: the probes' progress lines show when the checks are under way.
    const cancelled = await interrupted(
      ['run', 'readiness', '--input', 'internalUrl=http://ndes01.contoso.local/', '--verbose'],
      (stderr, sent) => sent === 0 && stderr.split('\n').length > 2,
    );
    expect(cancelled.stderr).toContain('Cancelling the step (Ctrl+C).');
    expect(cancelled.code).toBe(1);
  });

  // Linux only: the run the command leaves behind (the script, the fake installer holding the
  // machine's install turn) is found by its command line in /proc and ended after the test.
  it.skipIf(process.platform !== 'linux')(
    'a second Ctrl+C ends the command at once (exit 130), leaving what the step started',
    async () => {
      await lab().useScenario('healthy');
      slowInstall();
      const stopped = await interrupted(
        ['install', PICKED],
        (stderr, sent) =>
          (sent === 0 && stderr.includes('From now on Cancel is refused')) ||
          (sent === 1 && stderr.includes('Not stopped:')),
      );
      expect(stopped.stderr).toContain('Stopped at the second Ctrl+C.');
      expect(stopped.code).toBe(130);
      // As the message says, what the step started goes on without the command: here the script
      // and the fake installer, which would hold the machine's install turn from the next test.
      // Ended by the test, as an admin would let it finish; the next start verifies the step.
      const left = leftRunning();
      expect(left.length).toBeGreaterThan(0);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      await until(() => leftRunning().length === 0, "the orphaned run's processes to end");
    },
  );
});
