import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fakeWindowsHostFile } from './launcher.ts';

/** One script run in the warm PowerShell: the script, its world, its parameters as -File gives them (strings). */
export interface WarmRun {
  script: string;
  state: string;
  params?: Record<string, string | number>;
  switches?: string[];
}

export interface WarmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface WarmPowerShell {
  run(run: WarmRun): Promise<WarmResult>;
  close(): Promise<void>;
}

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const decode = (text: string) => Buffer.from(text, 'base64').toString('utf8');

/**
 * `FakeWindowsHost --serve` (tests/fake-windows/host/WarmHost.cs): many script runs, each in a
 * session of its own over its own world, in one PowerShell whose engine is loaded once. For the
 * cases that check what a script decides and prints; what only a process shows (stdin, argument
 * binding from a command line, ConstrainedLanguage, the OS's exit code) stays with processes.
 * Runs are taken one at a time, in the order given.
 */
export function startWarmPowerShell(root: string): WarmPowerShell {
  const child: ChildProcessWithoutNullStreams = spawn(
    fakeWindowsHostFile(root),
    ['--serve', '--module', join(root, 'tests', 'fake-windows', 'FakeWindows.psm1')],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string | null) => void)[] = [];
  const buffered: string[] = [];
  let ended = false;
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else buffered.push(line);
  });
  lines.on('close', () => {
    ended = true;
    for (const next of waiting.splice(0)) next(null);
  });
  const readLine = (): Promise<string | null> => {
    const line = buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };

  let queue: Promise<unknown> = Promise.resolve();
  const runOne = async (run: WarmRun): Promise<WarmResult> => {
    const request = [`state\t${encode(run.state)}`, `script\t${encode(run.script)}`];
    for (const [name, value] of Object.entries(run.params ?? {}))
      request.push(`param\t${encode(name)}\t${encode(String(value))}`);
    for (const name of run.switches ?? []) request.push(`switch\t${encode(name)}`);
    request.push('run');
    child.stdin.write(`${request.join('\n')}\n`);
    const result: Partial<WarmResult> = {};
    for (;;) {
      const line = await readLine();
      if (line === null) throw new Error(`the warm PowerShell ended: ${stderr.trim() || 'no message'}`);
      const [field, value = ''] = line.split('\t');
      if (field === 'end') break;
      if (field === 'exit') result.exitCode = Number(value);
      else if (field === 'stdout') result.stdout = decode(value);
      else if (field === 'stderr') result.stderr = decode(value);
    }
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  };
  return {
    run(run) {
      const result = queue.then(() => runOne(run));
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.stdin.end();
      });
    },
  };
}
