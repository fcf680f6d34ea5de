import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompanionError } from '../core/errors.ts';
import type { z } from 'zod';
import { ScriptErrorSchema, scriptCatalogue, type Catalogue, type ParamValue } from '../core/powershell/catalogue.ts';
import type { PowerShellHost, PowerShellRunner } from '../core/ports.ts';
import type { Redactor } from '../core/store/redact.ts';
import { verifyScripts } from './script-integrity.ts';
import { childEnvironment, systemRoot } from './windows-paths.ts';
import { killProcessTree } from './process-tree.ts';

export function windowsPowerShell(root: string = systemRoot()): PowerShellHost {
  return {
    file: `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`,
    prefixArgs: [],
    label: 'Windows PowerShell',
  };
}

export const PROGRESS_PREFIX = '::progress::';
export const PHASE_PREFIX = '::phase::';
/** The line that holds a script's one JSON document; every other line is a message (Companion.Common.ps1 Write-CompanionResult). */
export const RESULT_PREFIX = '::result::';
const PERCENT = /^(\d{1,3})% (.*)$/s;

/** A progress line's text and, when it starts with "NN% ", how far the script has come. */
export function parseProgress(text: string): { message: string; percent?: number } {
  const match = PERCENT.exec(text);
  if (!match) return { message: text };
  const percent = Number(match[1]);
  return percent <= 100 ? { message: match[2] ?? '', percent } : { message: text };
}
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** The longest parameter value we pass: paths, URLs and proxy addresses are far shorter. */
export const MAX_PARAM_LENGTH = 4096;
// PowerShell reads an argument starting with any of these dashes as a parameter name.
const LEADING_DASH = /^[-\u2013\u2014\u2015]/;
// No path, URL or proxy address holds a control character or a double quote (Windows forbids
// it in file names), and either could be split or re-read on the way through a command line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f"]/;

function refuseValue(name: string, problem: string): never {
  throw new CompanionError(
    'INVALID_REQUEST',
    `The value for ${name} ${problem}.`,
    `Correct the ${name} value and try again.`,
  );
}

/**
 * The exact argv for one script run: fixed switches, `-File <script>`, then declared parameters.
 * A value that PowerShell could read as anything but one string is refused here, before any
 * process starts.
 */
export function buildArgv(
  scriptPath: string,
  spec: Catalogue[string],
  params: Record<string, ParamValue> = {},
): string[] {
  const argv = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', scriptPath];
  for (const [name, value] of Object.entries(params)) {
    const kind = Object.hasOwn(spec.params, name) ? spec.params[name] : undefined;
    if (!kind || !PARAM_NAME.test(name)) throw new Error(`${spec.file} has no parameter ${name}`);
    if (kind === 'switch') {
      if (value === true) argv.push(`-${name}`);
      continue;
    }
    const text = String(value);
    if (text === '') refuseValue(name, 'is empty (leave the parameter out instead)');
    if (LEADING_DASH.test(text))
      refuseValue(name, 'cannot start with a dash, which PowerShell would read as a parameter name');
    if (UNSAFE_CHARACTER.test(text)) refuseValue(name, 'contains a line break, a control character or a double quote');
    if (text.length > MAX_PARAM_LENGTH) refuseValue(name, `is longer than ${MAX_PARAM_LENGTH} characters`);
    argv.push(`-${name}`, text);
  }
  return argv;
}

export function createPowerShellRunner<C extends Catalogue = typeof scriptCatalogue>(options: {
  host: PowerShellHost | null;
  scriptsDir: string;
  redactor: Redactor;
  env?: NodeJS.ProcessEnv;
  catalogue?: C;
  /** SHA-256 by file name of the scripts as built: checked before every run when given. */
  expectedHashes?: Readonly<Record<string, string>> | null;
}): PowerShellRunner<C> {
  const { host, scriptsDir, redactor } = options;
  const catalogue: Catalogue = options.catalogue ?? scriptCatalogue;
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
      const entry = Object.hasOwn(catalogue, script) ? catalogue[script] : undefined;
      if (!entry) throw new Error(`No script named ${script} in the catalogue.`);
      const scriptPath = join(scriptsDir, entry.file);
      if (!existsSync(scriptPath)) {
        throw new CompanionError(
          'POWERSHELL_FAILED',
          `The script ${entry.file} is missing from ${scriptsDir}.`,
          'Reinstall the companion: its files are incomplete.',
        );
      }
      const argv = [...host.prefixArgs, ...buildArgv(scriptPath, entry, runOptions.params)];
      if (options.expectedHashes) verifyScripts(scriptsDir, entry.file, options.expectedHashes);
      const started = Date.now();
      // A secret given on stdin is redacted by value from everything this run reports back.
      const secret = runOptions.stdin?.trim();
      if (secret) redactor.addSecret(secret);
      try {
        const subprocess = execa(host.file, argv, {
          input: runOptions.stdin ?? '',
          reject: false,
          shell: false,
          windowsHide: true,
          timeout: runOptions.timeoutMs ?? entry.defaultTimeoutMs,
          ...(runOptions.signal ? { cancelSignal: runOptions.signal } : {}),
          stripFinalNewline: false,
          lines: false,
          env: childEnvironment(options.env ?? process.env, process.platform),
          extendEnv: false,
          encoding: 'utf8',
        });

        // Cancelling stops what the script started too (an installer before its transaction),
        // not only PowerShell: the tree is collected while its parent still lives.
        const stopTree = () => {
          if (subprocess.pid !== undefined) killProcessTree(subprocess.pid);
        };
        runOptions.signal?.addEventListener('abort', stopTree, { once: true });

        let pending = '';
        let resultText: string | undefined;
        let printedOther = false;
        const take = (raw: string) => {
          const line = readScriptLine(raw);
          if (line?.kind === 'result') resultText = line.text;
          else if (line?.kind === 'progress') runOptions.onProgress?.(redactor.text(line.text), line.percent);
          else if (line?.kind === 'phase') runOptions.onPhase?.(line.text);
          else if (line?.kind === 'message') {
            printedOther = true;
            runOptions.onProgress?.(redactor.text(line.text));
          }
        };
        subprocess.stdout?.on('data', (chunk: Buffer | string) => {
          pending += chunk.toString();
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            take(pending.slice(0, newline).replace(/\r$/, ''));
            pending = pending.slice(newline + 1);
            newline = pending.indexOf('\n');
          }
        });

        const result = await subprocess;
        runOptions.signal?.removeEventListener('abort', stopTree);
        if (pending.trim() !== '') take(pending);
        const durationMs = Date.now() - started;

        if (result.timedOut) {
          throw new CompanionError(
            'TIMEOUT',
            `${host.label} did not finish ${entry.file} within ${Math.round((runOptions.timeoutMs ?? entry.defaultTimeoutMs) / 1000)} s and was stopped: PowerShell itself was slow, not the network.`,
            'Check the server is not overloaded (CPU, memory, antivirus scanning PowerShell), or that a WMI query is not hanging (restart the Windows Management Instrumentation service), then run the step again.',
          );
        }
        if (result.isCanceled)
          throw new CompanionError('CANCELLED', `${entry.file} was cancelled.`, 'Run the step again when ready.');
        if (result.signal) {
          throw new CompanionError(
            'POWERSHELL_FAILED',
            `${host.label} ended abruptly while running ${entry.file} (signal ${result.signal}) and printed no result.`,
            'Run the step again; if it repeats, look in the Application event log for a PowerShell crash and export the support bundle.',
          );
        }
        if (result.failed && result.exitCode === undefined) {
          const code = (result as { code?: unknown }).code;
          if (code === 'ENOENT') {
            throw new CompanionError(
              'POWERSHELL_UNAVAILABLE',
              `${host.label} is not on this machine (${host.file} does not exist), so the companion cannot read this server.`,
              'Run the companion on the Windows Server that hosts NDES or the connector (Windows PowerShell 5.1 is part of Windows Server 2016 and later), or start the lab (npm run lab) to rehearse.',
            );
          }
          throw new CompanionError(
            'POWERSHELL_BLOCKED',
            `${host.label} could not be started: ${redactor.text(result.shortMessage ?? 'unknown error')}. An AppLocker or WDAC rule that blocks powershell.exe stops it this way.`,
            'Ask for an AppLocker/WDAC exception for Windows PowerShell on this server (the connector installer needs PowerShell too), or do the steps by hand from the runbook.',
          );
        }

        const body = resultText ?? '';
        let document: unknown;
        try {
          document = body === '' ? undefined : JSON.parse(body);
        } catch {
          document = undefined;
        }
        const exitCode = result.exitCode ?? -1;
        const stderrText = String(result.stderr ?? '');
        // An execution policy set by Group Policy (AllSigned, Restricted) refuses our unsigned script
        // before it runs: no JSON, exit code 1, and an error record whose id is UnauthorizedAccess
        // (not translated, unlike the message around it: execution-policy.md EP-05 to EP-08).
        if (document === undefined && exitCode !== 0 && /\bUnauthorizedAccess\b/.test(stderrText)) {
          throw new CompanionError(
            'POWERSHELL_BLOCKED',
            `Windows PowerShell refused to load ${entry.file}: Group Policy does not let it run the companion's unsigned scripts, either through the execution policy (AllSigned or Restricted, which -ExecutionPolicy Bypass cannot override) or through a software restriction policy.`,
            'Set the Group Policy "Turn on Script Execution" to allow local scripts on this server (or Not Configured), or allow the companion\'s install folder in the software restriction policy, and run gpupdate /force; or install a companion build whose scripts are signed with a certificate your policy trusts (docs/packaging.md: signing the scripts).',
            'https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies',
          );
        }
        if (exitCode !== 0 || document === undefined) {
          const scriptMessage = extractScriptError(document);
          const reported = scriptMessage === undefined ? undefined : redactor.text(scriptMessage);
          const stderr = redactor.text(String(result.stderr ?? '').trim()).slice(-600);
          throw new CompanionError(
            'POWERSHELL_FAILED',
            reported ??
              `${entry.file} failed (exit code ${exitCode})${stderr ? `: ${stderr}` : body === '' && !printedOther ? ' and printed no result.' : ' and printed no readable result.'}`,
            'Read the message above; run the companion elevated ("Run as administrator") if access was denied.',
          );
        }
        const parsed = entry.output.safeParse(document);
        if (!parsed.success) {
          throw new CompanionError(
            'POWERSHELL_FAILED',
            `${entry.file} printed a result the companion does not understand.`,
            'The script and the app do not match: reinstall the companion.',
          );
        }
        return { data: parsed.data as z.infer<C[typeof script]['output']>, exitCode, durationMs };
      } finally {
        if (secret) redactor.forgetSecret(secret);
      }
    },
  };
}

/**
 * One script run that must finish before anything else can start (the data folder, before the
 * state and the journal are opened): the same checks, argv and output contract as run(), without
 * progress, stdin or cancellation. Progress lines come back as notes.
 */
export function runScriptSync<S extends keyof typeof scriptCatalogue>(options: {
  host: PowerShellHost;
  scriptsDir: string;
  script: S;
  params: Record<string, ParamValue>;
  expectedHashes?: Readonly<Record<string, string>> | null;
  env?: NodeJS.ProcessEnv;
}): { data: z.infer<(typeof scriptCatalogue)[S]['output']>; notes: string[] } {
  const entry: Catalogue[string] = scriptCatalogue[options.script];
  const scriptPath = join(options.scriptsDir, entry.file);
  if (options.expectedHashes) verifyScripts(options.scriptsDir, entry.file, options.expectedHashes);
  const argv = [...options.host.prefixArgs, ...buildArgv(scriptPath, entry, options.params)];
  let stdout: string;
  let exitCode = 0;
  let stderr = '';
  try {
    stdout = execFileSync(options.host.file, argv, {
      encoding: 'utf8',
      input: '',
      windowsHide: true,
      timeout: entry.defaultTimeoutMs,
      maxBuffer: 4 * 1024 * 1024,
      env: childEnvironment(options.env ?? process.env, process.platform),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failed = error as {
      stdout?: string;
      stderr?: string;
      status?: number | null;
      code?: string;
      signal?: string | null;
    };
    if (failed.code === 'ENOENT')
      throw new CompanionError(
        'POWERSHELL_UNAVAILABLE',
        `${options.host.label} is not on this machine (${options.host.file} does not exist).`,
        'Run the companion on the Windows Server that hosts NDES or the connector.',
      );
    if (failed.code === 'ETIMEDOUT' || failed.signal)
      throw new CompanionError(
        'TIMEOUT',
        `${options.host.label} did not finish ${entry.file} within ${Math.round(entry.defaultTimeoutMs / 1000)} s and was stopped.`,
        'Check the server is not overloaded (CPU, memory, antivirus scanning PowerShell), then start the companion again.',
      );
    stdout = failed.stdout ?? '';
    stderr = failed.stderr ?? '';
    exitCode = failed.status ?? -1;
  }
  const notes: string[] = [];
  let body = '';
  for (const raw of stdout.split(/\r?\n/)) {
    const line = readScriptLine(raw);
    if (line?.kind === 'result') body = line.text;
    else if (line?.kind === 'progress' || line?.kind === 'message') notes.push(line.text);
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    document = undefined;
  }
  if (exitCode !== 0 || document === undefined) {
    throw new CompanionError(
      'POWERSHELL_FAILED',
      extractScriptError(document) ??
        `${entry.file} failed (exit code ${exitCode})${stderr.trim() ? `: ${stderr.trim().slice(-600)}` : '.'}`,
      'Read the message above; run the companion elevated ("Run as administrator") if access was denied.',
    );
  }
  const parsed = entry.output.safeParse(document);
  if (!parsed.success)
    throw new CompanionError(
      'POWERSHELL_FAILED',
      `${entry.file} printed a result the companion does not understand.`,
      'The script and the app do not match: reinstall the companion.',
    );
  return { data: parsed.data as z.infer<(typeof scriptCatalogue)[S]['output']>, notes };
}

type ScriptLine =
  { kind: 'result' | 'phase' | 'message'; text: string } | { kind: 'progress'; text: string; percent?: number };

/**
 * One line of a script's stdout, as the output contract reads it: the result, a progress or
 * phase line, or any other line (a warning or host line from a cmdlet or a Microsoft script), a
 * message shown and kept, never parsed, without the colour codes PowerShell 7's console host
 * adds to warnings. Null for a blank line.
 */
function readScriptLine(line: string): ScriptLine | null {
  if (line.startsWith(RESULT_PREFIX)) return { kind: 'result', text: line.slice(RESULT_PREFIX.length).trim() };
  if (line.startsWith(PROGRESS_PREFIX)) {
    const { message, percent } = parseProgress(line.slice(PROGRESS_PREFIX.length).trim());
    return { kind: 'progress', text: message, ...(percent === undefined ? {} : { percent }) };
  }
  if (line.startsWith(PHASE_PREFIX)) return { kind: 'phase', text: line.slice(PHASE_PREFIX.length).trim() };
  // eslint-disable-next-line no-control-regex -- the escape character is what is taken out.
  const text = line.replace(/\u001b\[[0-9;]*m/g, '').trim();
  return text === '' ? null : { kind: 'message', text };
}

function extractScriptError(document: unknown): string | undefined {
  const parsed = ScriptErrorSchema.safeParse(document);
  return parsed.success ? parsed.data.error.message : undefined;
}
