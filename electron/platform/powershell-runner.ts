import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompanionError } from '../core/errors.ts';
import { scriptCatalogue, type ParamValue, type ScriptName, type ScriptOutput } from '../core/powershell/catalogue.ts';
import type { Redactor } from '../core/store/redact.ts';

/**
 * How to start PowerShell. On Windows: the in-box Windows PowerShell 5.1 by absolute path
 * (never found through PATH, which an attacker could shadow for an elevated app). In the lab:
 * PowerShell over the fake Windows, started with its own options first and the same argv after.
 */
export interface PowerShellHost {
  file: string;
  prefixArgs: string[];
  label: string;
}

export function windowsPowerShell(env: NodeJS.ProcessEnv = process.env): PowerShellHost {
  const root = env.SystemRoot ?? env.windir ?? 'C:\\Windows';
  return { file: `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`, prefixArgs: [], label: 'Windows PowerShell' };
}

export interface RunOptions {
  params?: Record<string, ParamValue>;
  /** Secrets travel here, never in argv. */
  stdin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (message: string) => void;
}

export interface ScriptRun<T> {
  data: T;
  exitCode: number;
  durationMs: number;
}

export interface PowerShellRunner {
  readonly host: PowerShellHost | null;
  run<S extends ScriptName>(script: S, options?: RunOptions): Promise<ScriptRun<ScriptOutput<S>>>;
}

export const PROGRESS_PREFIX = '::progress::';
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** The exact argv for one script run: fixed switches, `-File <script>`, then declared parameters. */
export function buildArgv(scriptPath: string, script: ScriptName, params: Record<string, ParamValue> = {}): string[] {
  const declared = scriptCatalogue[script].params;
  const argv = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', scriptPath];
  for (const [name, value] of Object.entries(params)) {
    const kind = declared[name];
    if (!kind || !PARAM_NAME.test(name)) throw new Error(`${script} has no parameter ${name}`);
    if (kind === 'switch') {
      if (value === true) argv.push(`-${name}`);
      continue;
    }
    const text = String(value);
    // PowerShell would read a value starting with '-' as a parameter name.
    if (text.startsWith('-') || text.includes('\0')) {
      throw new CompanionError('INVALID_REQUEST', `The value for ${name} cannot start with "-".`, `Correct the ${name} value and try again.`);
    }
    argv.push(`-${name}`, text);
  }
  return argv;
}

export function createPowerShellRunner(options: { host: PowerShellHost | null; scriptsDir: string; redactor: Redactor; env?: NodeJS.ProcessEnv }): PowerShellRunner {
  const { host, scriptsDir, redactor } = options;
  return {
    host,
    async run(script, runOptions = {}) {
      if (!host) {
        throw new CompanionError(
          'POWERSHELL_UNAVAILABLE',
          'Windows PowerShell is not available on this machine, so the companion cannot read this server here.',
          'Run the companion on the Windows Server that hosts NDES or the connector, or start the lab (npm run lab) to rehearse.',
        );
      }
      const entry = scriptCatalogue[script];
      const scriptPath = join(scriptsDir, entry.file);
      if (!existsSync(scriptPath)) {
        throw new CompanionError('POWERSHELL_FAILED', `The script ${entry.file} is missing from ${scriptsDir}.`, 'Reinstall the companion: its files are incomplete.');
      }
      const argv = [...host.prefixArgs, ...buildArgv(scriptPath, script, runOptions.params)];
      const started = Date.now();
      const subprocess = execa(host.file, argv, {
        input: runOptions.stdin ?? '',
        reject: false,
        shell: false,
        windowsHide: true,
        timeout: runOptions.timeoutMs ?? entry.defaultTimeoutMs,
        ...(runOptions.signal ? { cancelSignal: runOptions.signal } : {}),
        stripFinalNewline: false,
        lines: false,
        env: options.env ?? process.env,
        extendEnv: false,
        encoding: 'utf8',
      });

      let pending = '';
      const resultLines: string[] = [];
      subprocess.stdout?.on('data', (chunk: Buffer | string) => {
        pending += chunk.toString();
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline).replace(/\r$/, '');
          pending = pending.slice(newline + 1);
          if (line.startsWith(PROGRESS_PREFIX)) runOptions.onProgress?.(redactor.text(line.slice(PROGRESS_PREFIX.length).trim()));
          else resultLines.push(line);
          newline = pending.indexOf('\n');
        }
      });

      const result = await subprocess;
      if (pending.trim() !== '') {
        if (pending.startsWith(PROGRESS_PREFIX)) runOptions.onProgress?.(redactor.text(pending.slice(PROGRESS_PREFIX.length).trim()));
        else resultLines.push(pending);
      }
      const durationMs = Date.now() - started;

      if (result.timedOut) {
        throw new CompanionError('TIMEOUT', `${entry.file} did not finish within ${Math.round((runOptions.timeoutMs ?? entry.defaultTimeoutMs) / 1000)} s and was stopped.`, 'Check that the server is not overloaded, then run the step again.');
      }
      if (result.isCanceled) throw new CompanionError('CANCELLED', `${entry.file} was cancelled.`, 'Run the step again when ready.');
      if (result.signal) {
        throw new CompanionError('POWERSHELL_FAILED', `${host.label} ended abruptly while running ${entry.file} (signal ${result.signal}) and printed no result.`, 'Run the step again; if it repeats, look in the Application event log for a PowerShell crash and export the support bundle.');
      }
      if (result.failed && result.exitCode === undefined) {
        throw new CompanionError('POWERSHELL_UNAVAILABLE', `${host.label} could not be started (${redactor.text(result.shortMessage ?? 'unknown error')}).`, 'Check that Windows PowerShell 5.1 is present at its standard path and not blocked by AppLocker or WDAC policy.');
      }

      const body = resultLines.join('\n').trim();
      let document: unknown;
      try {
        document = body === '' ? undefined : JSON.parse(body);
      } catch {
        document = undefined;
      }
      const exitCode = result.exitCode ?? -1;
      if (exitCode !== 0 || document === undefined) {
        const reported = extractScriptError(document);
        const stderr = redactor.text(String(result.stderr ?? '').trim()).slice(-600);
        throw new CompanionError(
          'POWERSHELL_FAILED',
          reported ?? `${entry.file} failed (exit code ${exitCode})${stderr ? `: ${stderr}` : body === '' ? ' and printed no result.' : ' and printed no readable result.'}`,
          'Read the message above; run the companion elevated ("Run as administrator") if access was denied.',
        );
      }
      const parsed = entry.output.safeParse(document);
      if (!parsed.success) {
        throw new CompanionError('POWERSHELL_FAILED', `${entry.file} printed a result the companion does not understand.`, 'The script and the app do not match: reinstall the companion.');
      }
      return { data: parsed.data as ScriptOutput<typeof script>, exitCode, durationMs };
    },
  };
}

function extractScriptError(document: unknown): string | undefined {
  if (document && typeof document === 'object' && 'error' in document) {
    const error = (document as { error?: { message?: unknown } }).error;
    if (error && typeof error.message === 'string') return error.message;
  }
  return undefined;
}
