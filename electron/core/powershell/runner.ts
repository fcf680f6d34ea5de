import type { z } from 'zod';
import type { Catalogue, ParamValue, scriptCatalogue } from './catalogue.ts';

/**
 * The core's view of PowerShell (a port): which program runs our scripts, and how one script
 * run is asked for and answered. electron/platform/powershell-runner.ts implements it.
 *
 * On Windows the program is the in-box Windows PowerShell 5.1 by absolute path (never found
 * through PATH); in the lab, PowerShell over the fake Windows, with its own options first.
 */
export interface PowerShellHost {
  file: string;
  prefixArgs: string[];
  label: string;
}

export interface RunOptions {
  params?: Record<string, ParamValue>;
  /** Secrets travel here, never in argv. */
  stdin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** A progress line, with how far the script says it has come (0 to 100) when it says so. */
  onProgress?: (message: string, percent?: number) => void;
  /** A named point the script has reached ("transaction": an installer's Windows Installer transaction began). */
  onPhase?: (phase: string) => void;
}

export interface ScriptRun<T> {
  data: T;
  exitCode: number;
  durationMs: number;
}

export interface PowerShellRunner<C extends Catalogue = typeof scriptCatalogue> {
  readonly host: PowerShellHost | null;
  run<S extends keyof C & string>(script: S, options?: RunOptions): Promise<ScriptRun<z.infer<C[S]['output']>>>;
}
