import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './companion.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI as an admin runs it, composed over a lab world (dist/lab/cli.mjs with the lab's
 * arguments), on its own data folder; `onStderr` sees stderr as it grows (a device code to enter).
 */
export function runLabCli(
  labArgs: readonly string[],
  args: readonly string[],
  dataDir: string,
  onStderr?: (text: string) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      join(repoRoot, 'dist', 'lab', 'cli.mjs'),
      ...labArgs,
      ...args,
      '--data-dir',
      dataDir,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}
